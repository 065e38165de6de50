# Bulkhead build. `make` builds bulkhead.efi, the test guests and the host
# tools; `make test` installs what is missing and runs the whole suite.
BUILD   ?= build
CC      ?= gcc
NASM    ?= nasm
WARN    := -Wall -Wextra -Werror
EFI_INC := /usr/include/efi
EFI_LIB := /usr/lib

# ---- bulkhead.efi: loader + core, freestanding -------------------------
CORE_CFLAGS := -std=gnu11 $(WARN) -O2 -g -I. -I$(EFI_INC) -I$(EFI_INC)/x86_64 \
	-fpic -ffreestanding -fno-stack-protector -fno-stack-check -fshort-wchar \
	-mno-red-zone -mgeneral-regs-only -fno-omit-frame-pointer \
	-DGNU_EFI_USE_MS_ABI -fno-tree-loop-distribute-patterns -MMD -MP
CORE_SRCS := $(sort $(wildcard boot/*.c hv/*.c arch/x86_64/*.c drivers/*.c))
CORE_ASM  := $(sort $(wildcard arch/x86_64/*.asm))
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/core/%.o) $(CORE_ASM:%.asm=$(BUILD)/core/%.o)

# ---- pure logic, also compiled for the host (tools, unit tests, fuzzers) -
PURE_SRCS := $(wildcard hv/config.c hv/fmt.c hv/image.c hv/memmap.c \
	hv/mbinfo.c hv/hypercall_check.c hv/linux_boot.c hv/vpic.c hv/vlapic.c hv/vioapic.c \
	arch/x86_64/ept_build.c arch/x86_64/insn_decode.c \
	arch/x86_64/guest_walk.c drivers/acpi_build.c drivers/acpi_madt.c)
HOST_CFLAGS := -std=gnu11 $(WARN) -O1 -g -I. -DBH_HOSTED -MMD -MP
SAN_FLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer
HOST_OBJS   := $(PURE_SRCS:%.c=$(BUILD)/host/%.o)

UNIT_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

TOOLS := $(BUILD)/tools/bulkhead-ctl

.PHONY: all clean test unit integration fuzz-tests run run-linux bench-linux-boot deps \
	format compile_commands.json
all: $(BUILD)/bulkhead.efi guests $(TOOLS) $(UNIT_BINS)

include guests/guests.mk
-include guests/linux/linux.mk
-include tests/fuzz/fuzz.mk

$(BUILD)/core/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -c $< -o $@

$(BUILD)/core/%.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -g -MD $(@:.o=.d) -I arch/x86_64/ $< -o $@

$(BUILD)/bulkhead.so: $(CORE_OBJS) linker.ld
	ld -shared -Bsymbolic -nostdlib -znocombreloc -L$(EFI_LIB) -T linker.ld \
		$(EFI_LIB)/crt0-efi-x86_64.o $(CORE_OBJS) -o $@ -lefi -lgnuefi

$(BUILD)/bulkhead.efi: $(BUILD)/bulkhead.so
	objcopy -j .text -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
		-j .reloc --target=efi-app-x86_64 --subsystem=10 $< $@

$(BUILD)/host/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(BUILD)/tools/bulkhead-ctl: tools/bulkhead-ctl.c $(HOST_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(filter %.c %.o,$^) -o $@

$(BUILD)/tests/test_%: tests/unit/test_%.c $(HOST_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(filter %.c %.o,$^) -o $@ -lcmocka

deps:
	@bash tools/setup-deps.sh

test: deps
	$(MAKE) all linux-guest memtest-guest
	@bash tests/run-all.sh $(BUILD)

unit: all
	@bash tests/run-all.sh $(BUILD) unit

integration: all linux-guest memtest-guest
	@bash tests/run-all.sh $(BUILD) integration

run: deps
	$(MAKE) all
	@bash tests/integration/demo.sh $(BUILD)

fuzz-tests: all
	@bash tests/run-all.sh $(BUILD) fuzz

run-linux: deps
	$(MAKE) all linux-guest memtest-guest
	@bash tests/integration/run-linux.sh $(BUILD)

bench-linux-boot: deps
	$(MAKE) all linux-guest
	@bash tests/integration/bench-linux-boot.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

compile_commands.json:
	$(MAKE) clean && bear -- $(MAKE) all

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
