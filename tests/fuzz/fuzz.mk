# libFuzzer harnesses for the parsers of untrusted input (included by the
# top-level Makefile).
#
#   make fuzz-build                 build every harness into $(BUILD)/fuzz/
#   make fuzz [FUZZ_SECONDS=60]     run each harness for FUZZ_SECONDS seconds
#             [FUZZ_JOBS=1]         harnesses run at the same time
#             [FUZZ_TARGETS=...]    a subset, e.g. FUZZ_TARGETS=fuzz_config
#
# The pure-logic sources (PURE_SRCS) are compiled again with clang and the
# fuzzer/ASan/UBSan instrumentation into $(BUILD)/fuzz/obj/ (apart from the
# gcc host objects) and archived, so each harness links only what it uses.
# tests/fuzz/run.sh --deps installs clang and its fuzzer runtime if missing.

FUZZ_CC	     ?= clang
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 1
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=gnu11 $(WARN) -g -O1 -I. -DBH_HOSTED $(FUZZ_SAN) -MMD -MP
FUZZ_OBJS    := $(PURE_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_LIB     := $(FUZZ_DIR)/libbh-pure.a

# A harness whose code under test is not in the tree is skipped.
FUZZ_NEEDS_fuzz_linux_boot := hv/linux_boot.c hv/linux_boot.h
FUZZ_NEEDS_fuzz_acpi_madt  := drivers/acpi_madt.c drivers/acpi_madt.h
FUZZ_ALL     := $(sort $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c))))
FUZZ_HAVE    := $(foreach h,$(FUZZ_ALL),$(if $(filter \
	$(words $(FUZZ_NEEDS_$(h))),$(words $(wildcard $(FUZZ_NEEDS_$(h))))),$(h)))
FUZZ_TARGETS ?= $(FUZZ_HAVE)
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)

.PHONY: fuzz fuzz-build fuzz-deps

fuzz-deps:
	@bash tests/fuzz/run.sh --deps

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@bash tests/fuzz/run.sh --build $(BUILD) --seconds $(FUZZ_SECONDS) \
		--jobs $(FUZZ_JOBS) $(FUZZ_TARGETS)

$(FUZZ_DIR)/obj/%.o: %.c | fuzz-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_LIB): $(FUZZ_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB) | fuzz-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB) -o $@
