# Freestanding test guests, included by the top-level Makefile (which
# defines BUILD, CC, NASM and WARN). `make guests` builds:
#   $(BUILD)/guests/{hello,smp,escape,bench}.elf  Multiboot v1 ELF kernels
#   $(BUILD)/guests/{attack,witness,chaos,churn}.elf  isolation attackers,
#                                                 the canary witness
#   $(BUILD)/guests/snaptest.elf                  guest-initiated snapshots
#   $(BUILD)/guests/conform.elf                   CPU conformance checks
#   $(BUILD)/guests/vidstack.elf                  interrupts onto fresh pages
#   $(BUILD)/guests/realmode.bin                  raw 16-bit image (0x7C00)
# Each ELF guest links guests/common (Multiboot header, 32-bit entry,
# support library, exception catcher) with every .c and .asm file in
# guests/<name>/.

GUEST_DIR    := $(BUILD)/guests
GUEST_OBJDIR := $(GUEST_DIR)/obj
GUEST_ELFS   := hello smp escape bench attack witness chaos churn snaptest conform \
	vidstack
GUEST_LDS    := guests/common/guest.ld

GUEST_CFLAGS := -std=c11 $(WARN) -m32 -march=i686 -O2 -g -ffreestanding \
	-fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-omit-frame-pointer -mgeneral-regs-only -nostdlib \
	-I. -Iguests/common -MMD -MP
GUEST_NASMFLAGS := -f elf32 -g -Iguests/common/
GUEST_LDFLAGS   := -m elf_i386 -nostdlib -static -z noexecstack -T $(GUEST_LDS)

GUEST_COMMON_OBJS := $(GUEST_OBJDIR)/common/mb_header.o \
	$(GUEST_OBJDIR)/common/start32.o $(GUEST_OBJDIR)/common/lib.o \
	$(GUEST_OBJDIR)/common/idt.o $(GUEST_OBJDIR)/common/isr.o

# Objects of guest $(1): its C and assembly sources.
guest_objs = $(patsubst guests/%.c,$(GUEST_OBJDIR)/%.o,\
		$(sort $(wildcard guests/$(1)/*.c))) \
	$(patsubst guests/%.asm,$(GUEST_OBJDIR)/%.o,\
		$(sort $(wildcard guests/$(1)/*.asm)))

GUEST_TARGETS := $(GUEST_ELFS:%=$(GUEST_DIR)/%.elf) $(GUEST_DIR)/realmode.bin

.PHONY: guests
guests: $(GUEST_TARGETS)

$(GUEST_OBJDIR)/%.o: guests/%.c guests/guests.mk
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OBJDIR)/%.o: guests/%.asm guests/guests.mk
	@mkdir -p $(dir $@)
	$(NASM) $(GUEST_NASMFLAGS) -MD $(@:.o=.d) -MP $< -o $@

define guest_elf_rule
$(GUEST_DIR)/$(1).elf: $(GUEST_COMMON_OBJS) $(call guest_objs,$(1)) \
		$(GUEST_LDS)
	ld $(GUEST_LDFLAGS) -o $$@ $(GUEST_COMMON_OBJS) $(call guest_objs,$(1))
endef
$(foreach g,$(GUEST_ELFS),$(eval $(call guest_elf_rule,$(g))))

$(GUEST_DIR)/realmode.bin: guests/realmode/realmode.asm guests/guests.mk
	@mkdir -p $(dir $@)
	$(NASM) -f bin -MD $(@:.bin=.d) -MP -MT $@ $< -o $@
