#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int hm_fail(hm_err *err, int status, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return status;
}

int hm_image_alloc(hm_image *img, uint32_t w, uint32_t h, int channels,
                   int bpp) {
    size_t row, total;
    img->px = NULL;
    img->owned = NULL;
    if (!hm_mul_ok((size_t)w, (size_t)bpp, &row) ||
        !hm_mul_ok(row, (size_t)h, &total) || total == 0)
        return HM_E_NO_MEMORY;
    img->owned = malloc(total);
    if (!img->owned) return HM_E_NO_MEMORY;
    img->px = img->owned;
    img->w = w;
    img->h = h;
    img->stride = row;
    img->channels = channels;
    img->bpp = bpp;
    return HM_OK;
}

void hm_image_release(hm_image *img) {
    if (!img) return;
    free(img->owned);
    img->owned = NULL;
    img->px = NULL;
}

const char *hm_strerror(int status) {
    switch (status) {
    case HM_OK: return "success";
    case HM_E_INVALID_ARGUMENT: return "invalid argument";
    case HM_E_NO_MEMORY: return "out of memory";
    case HM_E_IO: return "I/O error";
    case HM_E_UNKNOWN_FORMAT: return "unknown or unsupported media format";
    case HM_E_DECODE: return "corrupt, truncated or undecodable media";
    case HM_E_LIMIT: return "a configured limit was exceeded";
    case HM_E_PARSE: return "malformed hash string";
    case HM_E_TYPE_MISMATCH: return "hash types differ";
    case HM_E_UNSUPPORTED: return "not supported by this build";
    case HM_E_INTERNAL: return "internal error";
    case HM_E_CORRUPT: return "corrupt, truncated or incompatible index file";
    case HM_E_NOT_FOUND: return "not found";
    case HM_E_CANCELLED: return "cancelled";
    default: return "unknown status code";
    }
}
