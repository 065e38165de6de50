# Linux and Memtest86+ guest material, included by the top-level Makefile
# (which defines BUILD). Not part of `all`: only the slow tests need it.
#
#   make linux-guest    $(BUILD)/linux/vmlinuz            Debian 12 stock kernel
#                       $(BUILD)/linux/initramfs.cpio.gz  busybox + /init +
#                                                         static bulkhead-ctl
#   make memtest-guest  $(BUILD)/memtest/memtest.bin      Memtest86+ 6.10 (x64 .bin)
#   make linux-direct-boot    boot the Linux material in QEMU (TCG), no hypervisor
#   make memtest-direct-boot  run Memtest86+ in QEMU for 60 s
#
# Everything comes unmodified from Debian packages, downloaded once into
# ${BULKHEAD_CACHE:-$HOME/.cache/bulkhead}/debs (kept by `make clean`).
# See guests/linux/README.md.

LINUX_DIR     := $(BUILD)/linux
LINUX_KERNEL  := $(LINUX_DIR)/vmlinuz
LINUX_INITRD  := $(LINUX_DIR)/initramfs.cpio.gz
MEMTEST_BIN   := $(BUILD)/memtest/memtest.bin

.PHONY: linux-guest memtest-guest linux-direct-boot memtest-direct-boot
linux-guest: $(LINUX_KERNEL) $(LINUX_INITRD)
memtest-guest: $(MEMTEST_BIN)

$(LINUX_KERNEL): guests/linux/get-kernel.sh guests/linux/fetch-debs.sh
	sh guests/linux/get-kernel.sh $@

$(LINUX_INITRD): guests/linux/mkinitramfs.sh guests/linux/fetch-debs.sh \
		guests/linux/mkcpio.sh guests/linux/init \
		$(BUILD)/tools/bulkhead-ctl-static
	sh guests/linux/mkinitramfs.sh $@ $(BUILD)/tools/bulkhead-ctl-static

$(MEMTEST_BIN): guests/linux/get-memtest.sh guests/linux/fetch-debs.sh
	sh guests/linux/get-memtest.sh $@

linux-direct-boot: linux-guest
	sh guests/linux/direct-boot.sh $(LINUX_DIR) workload

memtest-direct-boot: memtest-guest
	sh guests/linux/direct-boot.sh --memtest $(MEMTEST_BIN)
