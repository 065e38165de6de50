# Core tests: the arch-neutral core (hv/) built for the host and linked
# against the in-memory fake backend (tests/fake/), driven by cmocka tests
# (included by the top-level Makefile).
#
#   make core-tests      build $(BUILD)/tests/test_core_<name> from each
#                        tests/core/test_<name>.c (also part of `all`)
#   bash tests/run-all.sh $(BUILD) unit   runs them with the unit tests
#
# Every C file of hv/ and hv/exit/, the pure folders (PURE_SRCS) and the
# fake are compiled with HOST_CFLAGS and ASan/UBSan into $(BUILD)/host-core/
# (apart from the pure-only host objects) and archived. hv/main.c is
# included: it defines partitions[], npartitions, hv_cpus[], hv_ncpus,
# hv_tsc_hz and part_boot_vcpu(); core_main() is never called.

CORE_HOST_DIR	:= $(BUILD)/host-core
CORE_HOST_SRCS	:= $(sort $(wildcard hv/*.c hv/exit/*.c) $(PURE_SRCS) \
	$(wildcard tests/fake/*.c))
CORE_HOST_OBJS	:= $(CORE_HOST_SRCS:%.c=$(CORE_HOST_DIR)/%.o)
CORE_HOST_LIB	:= $(CORE_HOST_DIR)/libbh-core.a
CORE_TEST_SRCS	:= $(sort $(wildcard tests/core/test_*.c))
CORE_TEST_BINS	:= \
	$(CORE_TEST_SRCS:tests/core/test_%.c=$(BUILD)/tests/test_core_%)

.PHONY: core-tests
core-tests: $(CORE_TEST_BINS)
all: $(CORE_TEST_BINS)

$(CORE_HOST_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(CORE_HOST_LIB): $(CORE_HOST_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(CORE_TEST_BINS): $(BUILD)/tests/test_core_%: tests/core/test_%.c \
		$(CORE_HOST_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN_FLAGS) -pthread $< $(CORE_HOST_LIB) -o $@ \
		-lcmocka
