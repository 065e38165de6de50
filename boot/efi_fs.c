/* Reading files next to bulkhead.efi on its boot volume. */
#include "boot/efi.h"
#include "hv/lib/lib.h"

static EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_GUID sfs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static EFI_GUID finfo_guid = EFI_FILE_INFO_ID;

#define PATH_MAX16 260

/* Directory of the loaded image, e.g. "\EFI\BOOT\" (with trailing '\'). */
static UINTN image_dir(EFI_LOADED_IMAGE *li, CHAR16 *out, UINTN max)
{
	UINTN n = 0;
	EFI_DEVICE_PATH *dp = li->FilePath;
	/* Concatenate every file-path node; stop at the end node. */
	while (dp && !(dp->Type == END_DEVICE_PATH_TYPE)) {
		UINTN len = dp->Length[0] | (dp->Length[1] << 8);
		if (len < 4)
			break;
		if (dp->Type == MEDIA_DEVICE_PATH &&
		    dp->SubType == MEDIA_FILEPATH_DP) {
			FILEPATH_DEVICE_PATH *fp = (void *)dp;
			UINTN chars = (len - 4) / sizeof(CHAR16);
			for (UINTN i = 0; i < chars && fp->PathName[i]; i++)
				if (n + 1 < max)
					out[n++] = fp->PathName[i];
		}
		dp = (void *)((uint8_t *)dp + len);
	}
	while (n > 0 && out[n - 1] != L'\\')
		n--;
	if (n == 0)
		out[n++] = L'\\';
	out[n] = 0;
	return n;
}

EFI_STATUS efi_read_file(const char *rel, uint8_t **buf, uint64_t *len)
{
	EFI_BOOT_SERVICES *bs = efi_st->BootServices;
	EFI_LOADED_IMAGE *li;
	EFI_STATUS st = bs->HandleProtocol(efi_image, &li_guid, (void **)&li);
	if (EFI_ERROR(st))
		return st;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *sfs;
	st = bs->HandleProtocol(li->DeviceHandle, &sfs_guid, (void **)&sfs);
	if (EFI_ERROR(st))
		return st;

	CHAR16 path[PATH_MAX16];
	UINTN n = image_dir(li, path, PATH_MAX16);
	for (const char *p = rel; *p; p++) {
		if (n + 1 >= PATH_MAX16)
			return EFI_BAD_BUFFER_SIZE;
		path[n++] = *p == '/' ? L'\\' : (CHAR16)(uint8_t)*p;
	}
	path[n] = 0;

	EFI_FILE_HANDLE root, f;
	st = sfs->OpenVolume(sfs, &root);
	if (EFI_ERROR(st))
		return st;
	st = root->Open(root, &f, path, EFI_FILE_MODE_READ, 0);
	root->Close(root);
	if (EFI_ERROR(st))
		return st;

	uint8_t info_buf[sizeof(EFI_FILE_INFO) + 512];
	UINTN isz = sizeof(info_buf);
	st = f->GetInfo(f, &finfo_guid, &isz, info_buf);
	if (!EFI_ERROR(st)) {
		UINTN size = ((EFI_FILE_INFO *)info_buf)->FileSize;
		/* Pages, not pool: tracked, so a failed boot frees them, and
		 * kept after ExitBootServices for partition resets. */
		*buf = (uint8_t *)efi_alloc_pages(size ? size : 1, ~0ull);
		st = *buf ? EFI_SUCCESS : EFI_OUT_OF_RESOURCES;
		if (!EFI_ERROR(st)) {
			UINTN got = size;
			st = f->Read(f, &got, *buf);
			if (!EFI_ERROR(st) && got != size)
				st = EFI_END_OF_FILE;
			*len = size;
		}
	}
	f->Close(f);
	return st;
}

/* Every reservation is remembered so a failed boot can give it all back
 * before returning to the firmware. */
static struct {
	uint64_t base, pages;
} reserved[16 + 2 * CFG_MAX_PARTS];
static unsigned nreserved;

static uint64_t remember(uint64_t base, uint64_t pages)
{
	if (nreserved < BH_ARRAY_SIZE(reserved)) {
		reserved[nreserved].base = base;
		reserved[nreserved++].pages = pages;
	}
	return base;
}

void efi_free_all(void)
{
	while (nreserved) {
		nreserved--;
		efi_st->BootServices->FreePages(reserved[nreserved].base,
						reserved[nreserved].pages);
	}
}

uint64_t efi_alloc_pages(uint64_t bytes, uint64_t max)
{
	EFI_PHYSICAL_ADDRESS a = max;
	uint64_t pages = BH_ALIGN_UP(bytes, 4096) / 4096;
	if (EFI_ERROR(efi_st->BootServices->AllocatePages(
		AllocateMaxAddress, EfiLoaderData, pages, &a)))
		return 0;
	return remember(a, pages);
}

uint64_t efi_alloc_aligned(uint64_t bytes, uint64_t align)
{
	EFI_BOOT_SERVICES *bs = efi_st->BootServices;
	uint64_t pages = (bytes + align) / 4096;
	EFI_PHYSICAL_ADDRESS a = 0;
	if (EFI_ERROR(
		bs->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &a)))
		return 0;
	uint64_t start = BH_ALIGN_UP(a, align);
	uint64_t head = (start - a) / 4096;
	uint64_t tail = pages - head - bytes / 4096;
	if (head)
		bs->FreePages(a, head);
	if (tail)
		bs->FreePages(start + bytes, tail);
	return remember(start, bytes / 4096);
}
