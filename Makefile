# Bulkhead build. `make` builds bulkhead.efi, the test guests and the host
# tools; `make test` installs what is missing and runs the whole suite.
BUILD   ?= build
BACKEND ?= vmx
CC      ?= gcc
NASM    ?= nasm
WARN    := -Wall -Wextra -Werror
EFI_INC := /usr/include/efi
EFI_LIB := /usr/lib

# ---- bulkhead.efi: loader + core, freestanding -------------------------
CORE_CFLAGS := -std=gnu11 $(WARN) -O2 -g -I. -I$(EFI_INC) -I$(EFI_INC)/x86_64 \
	-fpic -ffreestanding -fno-stack-protector -fno-stack-check -fshort-wchar \
	-mno-red-zone -mgeneral-regs-only \
	-DGNU_EFI_USE_MS_ABI -fno-tree-loop-distribute-patterns -MMD -MP
# PHASES=1: the bench's build, which stamps the phases of every exit
# (hv/phases.h); `make bench` makes it in $(BUILD)/phases.
ifeq ($(PHASES),1)
CORE_CFLAGS += -DBH_PHASES
endif
CORE_DIRS := boot hv hv/exit hv/lib hv/load hv/proto hv/vdev arch/x86_64 \
	arch/x86_64/lib arch/x86_64/vmx arch/x86_64/svm drivers drivers/acpi
CORE_SRCS := $(sort $(wildcard $(CORE_DIRS:%=%/*.c)))
CORE_ASM  := $(sort $(wildcard $(CORE_DIRS:%=%/*.asm)))
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/core/%.o) $(CORE_ASM:%.asm=$(BUILD)/core/%.o)

# ---- pure logic, also compiled for the host (tools, unit tests, fuzzers) -
# A folder is pure or not as a whole: these folders hold plain C with no
# hardware access and no call into the CPU seam (tests/tools/test_layering.sh
# checks it), so they compile on the host unchanged.
PURE_DIRS := hv/lib hv/load hv/proto hv/vdev arch/x86_64/lib drivers/acpi
PURE_SRCS := $(sort $(wildcard $(PURE_DIRS:%=%/*.c)))
HOST_CFLAGS := -std=gnu11 $(WARN) -O1 -g -I. -DBH_HOSTED -MMD -MP
SAN_FLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer
HOST_OBJS   := $(PURE_SRCS:%.c=$(BUILD)/host/%.o)
HOST_LIB    := $(BUILD)/host/libbh-pure.a

UNIT_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

TOOLS := $(BUILD)/tools/bulkhead-ctl $(BUILD)/tools/bulkhead-ctl-static

.PHONY: all clean test unit integration fuzz-tests run run-linux bench-linux-boot \
	bench bench-snapshot exit-profile run-ci-demo deps \
	format compile_commands.json
all: $(BUILD)/bulkhead.efi guests $(TOOLS) $(UNIT_BINS)
# Without the build packages, `make` stops here with one line saying what
# is missing and what to run (deps, test and run install them first).
ifneq ($(filter all unit integration fuzz-tests,$(or $(MAKECMDGOALS),all)),)
DEPS_MISSING := $(shell bash tools/setup-deps.sh --check)
$(if $(DEPS_MISSING),$(error $(DEPS_MISSING)))
endif

include guests/guests.mk
-include guests/linux/linux.mk
-include tests/fuzz/fuzz.mk
-include tests/core/core.mk

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

$(HOST_LIB): $(HOST_OBJS)
	@rm -f $@
	ar rcs $@ $^

CTL_SRCS := $(sort $(wildcard tools/*.c))
# (one link of several sources keeps only the last one's .d: headers listed)
$(BUILD)/tools/bulkhead-ctl: $(CTL_SRCS) $(wildcard tools/*.h) hv/exit_kinds.h \
		$(HOST_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(filter %.c %.a,$^) -o $@

# The same tool linked statically and without sanitizers, for a Linux
# initramfs (numeric addresses only: no resolver without shared libraries).
STATIC_CFLAGS := $(HOST_CFLAGS:-O1=-O2) -DCTL_NO_RESOLVER
$(BUILD)/static/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(STATIC_CFLAGS) -c $< -o $@

$(BUILD)/static/libbh-pure.a: $(PURE_SRCS:%.c=$(BUILD)/static/%.o)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/tools/bulkhead-ctl-static: $(CTL_SRCS:%.c=$(BUILD)/static/%.o) \
		$(BUILD)/static/libbh-pure.a
	@mkdir -p $(dir $@)
	$(CC) -static -s $^ -o $@

# $< only: a test that #includes a .c file (test_svm_policy) gets it in
# its .d as a prerequisite, and must not link it a second time.
$(BUILD)/tests/test_%: tests/unit/test_%.c $(HOST_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN_FLAGS) $< $(HOST_LIB) -o $@ -lcmocka

deps:
	@bash tools/setup-deps.sh

test: deps
	$(MAKE) all linux-guest memtest-guest
	@bash tests/run-all.sh $(BUILD)

unit: all
	@bash tests/run-all.sh $(BUILD) unit

integration: all linux-guest memtest-guest
	@bash tests/run-all.sh $(BUILD) integration

# BACKEND=svm: the same demo in QEMU with AMD-V (vmx: Bochs, Intel VT-x).
run: deps
	$(MAKE) all
	@BACKEND=$(BACKEND) bash tests/integration/demo.sh $(BUILD)

fuzz-tests: all
	@bash tests/run-all.sh $(BUILD) fuzz

run-linux: deps
	$(MAKE) all linux-guest memtest-guest
	@bash tests/integration/run-linux.sh $(BUILD)

bench-linux-boot: deps
	$(MAKE) all linux-guest
	@bash tests/integration/bench-linux-boot.sh $(BUILD)

# Linux in Bochs as a CI executor: snapshot after boot, then five jobs,
# each from the clean snapshot (the test runs 20).
run-ci-demo: deps
	$(MAKE) all linux-guest
	@BUILD=$(BUILD) JOBS=5 bash tests/integration/test_linux_shell.sh

bench-snapshot: deps
	$(MAKE) all
	@bash tests/integration/test_snapshot_bench.sh $(BUILD)

# Every benchmark that runs in minutes, as one table (also
# $(BUILD)/bench.json): exit round trips on both backends, where one goes
# (the PHASES=1 build), Linux's boot exits, idle exits and console rate on
# both backends, snapshot restores. Linux boot time: bench-linux-boot.
bench: deps
	$(MAKE) all linux-guest
	$(MAKE) BUILD=$(BUILD)/phases PHASES=1 $(BUILD)/phases/bulkhead.efi
	@BUILD=$(BUILD) bash tests/integration/test_bench.sh
	@BUILD=$(BUILD) BACKEND=svm bash tests/integration/test_bench.sh
	@BUILD=$(BUILD) PHASES=1 bash tests/integration/test_bench.sh
	@BUILD=$(BUILD) PHASES=1 BACKEND=svm bash tests/integration/test_bench.sh
	@BUILD=$(BUILD) bash tests/integration/bench_linux.sh
	@BUILD=$(BUILD) BACKEND=svm bash tests/integration/bench_linux.sh
	@bash tests/integration/test_snapshot_bench.sh $(BUILD)
	@python3 tests/integration/bench_report.py $(BUILD) --readme README.md

# One exit round trip per bench row, instruction by instruction, folded
# per function (VMX in Bochs's debugger): where the ticks go.
# `make exit-profile OPS="cpuid vmcall"` for some rows only.
exit-profile: deps
	$(MAKE) all
	@BUILD=$(BUILD) bash tests/integration/exit_profile.sh $(OPS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

compile_commands.json:
	$(MAKE) clean && bear -- $(MAKE) all

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
