// SPDX-License-Identifier: BSD-3-Clause
//
// pHash.org's DCT image hash (ph_dct_imagehash) computed with CImg itself,
// as an independent cross-check of libhashmatch's phashorg_* types.  Written
// from the documented steps (docs/hash-algorithms.md, section 2.1), not from
// pHash's source: every image operation below is CImg's own.
//
// Reads file paths, one a line, on stdin; writes one TSV row a file:
//   path  v09_hex  2014_hex  spectrum  format  detail
// where v09_hex is coefficient i at bit i and 2014_hex the 2014-2022 master
// packing (shift after every bit, the last included), spectrum is the
// number of channels CImg's loader gave, and format/detail describe the
// file (from its header, read with libjpeg/libpng) so that differences can
// be grouped.  A file CImg cannot load gets "-" hashes and the reason.
//
// CImg::load() picks the loader by the file name's extension; this program
// picks it by the first bytes (JPEG or PNG) instead, so that a file named
// .jpg holding a PNG is still decoded natively; other formats, which
// CImg would hand to ImageMagick's convert, are reported as "skip".

#include <CImg.h>
#include <jpeglib.h>
#include <png.h>

#include <cmath>
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

using namespace cimg_library;

namespace {

// ---- the hash, step by step through CImg --------------------------------

// 32x32 orthonormal DCT-II matrix: row 0 = 1/sqrt(32); row y >= 1:
// sqrt(2/32) cos(pi/64 y (2x+1)), in float (section 2.1 step 5).
CImg<float> dct_matrix() {
    const int n = 32;
    CImg<float> c(n, n);
    const float c0 = (float)(1 / std::sqrt((double)n));
    const float c1 = (float)std::sqrt(2.0 / n);
    cimg_forXY(c, x, y) {
        c(x, y) = y == 0 ? c0 : (float)(c1 * std::cos(cimg::PI / 2 / n * y * (2 * x + 1)));
    }
    return c;
}

// The 64 bits, coefficient i at bit i.
uint64_t coefficient_bits(CImg<unsigned char> src) {
    CImg<float> grey;
    if (src.spectrum() == 3 || src.spectrum() == 4) {
        if (src.spectrum() == 4) src.channels(0, 2);  // the first 3 channels
        grey = src.RGBtoYCbCr().get_channel(0);         // truncated to uint8
    } else {
        grey = src.get_channel(0);                      // grey (of grey+alpha)
    }
    const CImg<float> box(7, 7, 1, 1, 1.0f);            // unnormalised 7x7 sum
    CImg<float> img = grey.get_convolve(box);           // Neumann borders
    img.resize(32, 32);                                 // default: nearest
    const CImg<float> c = dct_matrix();
    const CImg<float> dct = c * img * c.get_transpose();
    const CImg<float> block = dct.get_crop(1, 1, 8, 8).unroll('x');
    const float median = block.median();
    uint64_t bits = 0;
    for (int i = 0; i < 64; i++)
        if (block(i) > median) bits |= 1ull << i;
    return bits;
}

// 2014-2022 master packing: OR the bit into position 0, then shift the
// word left, after every coefficient including the last (step 8).
uint64_t pack_2014(uint64_t bits) {
    uint64_t h = 0;
    for (int i = 0; i < 64; i++) {
        if (bits >> i & 1) h |= 1;
        h <<= 1;
    }
    return h;
}

// ---- what the file is (for grouping differences) ------------------------

struct jerr_mgr {
    jpeg_error_mgr mgr;
    jmp_buf jmp;
};

void on_jpeg_error(j_common_ptr c) { longjmp(((jerr_mgr *)c->err)->jmp, 1); }

unsigned rd16(const unsigned char *p, bool le) { return le ? p[0] | p[1] << 8 : p[0] << 8 | p[1]; }
unsigned long rd32(const unsigned char *p, bool le) {
    return le ? rd16(p, true) | (unsigned long)rd16(p + 2, true) << 16
              : (unsigned long)rd16(p, false) << 16 | rd16(p + 2, false);
}

// EXIF orientation (tag 0x0112 of IFD0) from an APP1 payload; 0 if none.
int exif_orientation(const unsigned char *d, size_t n) {
    if (n < 14 || std::memcmp(d, "Exif\0\0", 6) != 0) return 0;
    const unsigned char *t = d + 6;
    n -= 6;
    const bool le = t[0] == 'I';
    const unsigned long ifd = rd32(t + 4, le);
    if (ifd + 2 > n) return 0;
    const unsigned count = rd16(t + ifd, le);
    for (unsigned k = 0; k < count && ifd + 2 + 12 * (k + 1) <= n; k++) {
        const unsigned char *e = t + ifd + 2 + 12 * k;
        if (rd16(e, le) == 0x0112) return (int)rd16(e + 8, le);
    }
    return 0;
}

std::string describe_jpeg(const char *path) {
    std::FILE *f = std::fopen(path, "rb");
    if (!f) return "unreadable";
    jpeg_decompress_struct d;
    jerr_mgr e;
    d.err = jpeg_std_error(&e.mgr);
    e.mgr.error_exit = on_jpeg_error;
    std::string out;
    if (setjmp(e.jmp)) {
        jpeg_destroy_decompress(&d);
        std::fclose(f);
        return "header-error";
    }
    jpeg_create_decompress(&d);
    jpeg_stdio_src(&d, f);
    jpeg_save_markers(&d, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&d, TRUE);
    static const char *const spaces[] = {"unknown", "grey", "rgb", "ycbcr", "cmyk", "ycck"};
    const int cs = d.jpeg_color_space;
    out = std::string(cs >= 0 && cs <= 5 ? spaces[cs] : "other");
    out += d.progressive_mode ? ",progressive" : ",baseline";
    if (d.arith_code) out += ",arithmetic";
    if (d.saw_Adobe_marker) out += ",adobe";
    int orient = 0;
    for (jpeg_saved_marker_ptr m = d.marker_list; m; m = m->next)
        if (!orient) orient = exif_orientation(m->data, m->data_length);
    out += ",exif-orientation=" + std::to_string(orient);
    jpeg_destroy_decompress(&d);
    std::fclose(f);
    return out;
}

std::string describe_png(const char *path) {
    std::FILE *f = std::fopen(path, "rb");
    if (!f) return "unreadable";
    png_structp p = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png_create_info_struct(p);
    if (setjmp(png_jmpbuf(p))) {
        png_destroy_read_struct(&p, &info, nullptr);
        std::fclose(f);
        return "header-error";
    }
    png_init_io(p, f);
    png_read_info(p, info);
    static const char *const types[] = {"grey", "?", "rgb", "palette", "grey+alpha", "?", "rgba"};
    const int ct = png_get_color_type(p, info);
    std::string out = ct >= 0 && ct <= 6 ? types[ct] : "?";
    out += "," + std::to_string(png_get_bit_depth(p, info)) + "-bit";
    if (png_get_valid(p, info, PNG_INFO_tRNS)) out += ",tRNS";
    if (png_get_interlace_type(p, info) != PNG_INTERLACE_NONE) out += ",interlaced";
    if (png_get_valid(p, info, PNG_INFO_gAMA)) out += ",gAMA";
    png_destroy_read_struct(&p, &info, nullptr);
    std::fclose(f);
    return out;
}

}  // namespace

int main() {
    cimg::exception_mode(0);  // exceptions only, no message boxes / stderr
    std::string path;
    while (std::getline(std::cin, path)) {
        if (path.empty()) continue;
        unsigned char magic[8] = {0};
        std::FILE *f = std::fopen(path.c_str(), "rb");
        const bool opened = f != nullptr;
        const size_t got = opened ? std::fread(magic, 1, sizeof magic, f) : 0;
        if (opened) std::fclose(f);
        const bool jpeg = got >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF;
        const bool png = got == 8 && std::memcmp(magic, "\x89PNG\r\n\x1a\n", 8) == 0;
        if (!jpeg && !png) {
            std::printf("%s\t-\t-\t-\tskip\t%s\n", path.c_str(),
                        opened ? "not JPEG or PNG (CImg would call convert)" : "cannot be opened");
            continue;
        }
        const std::string detail = jpeg ? describe_jpeg(path.c_str()) : describe_png(path.c_str());
        try {
            CImg<unsigned char> img;
            if (jpeg) img.load_jpeg(path.c_str());
            else img.load_png(path.c_str());
            const int spectrum = img.spectrum();
            const uint64_t bits = coefficient_bits(img);
            std::printf("%s\t%016llx\t%016llx\t%d\t%s\t%s\n", path.c_str(),
                        (unsigned long long)bits, (unsigned long long)pack_2014(bits), spectrum,
                        jpeg ? "jpeg" : "png", detail.c_str());
        } catch (const CImgException &ex) {
            std::printf("%s\t-\t-\t-\t%s\tCImg: %s\n", path.c_str(), jpeg ? "jpeg" : "png", ex.what());
        }
        std::fflush(stdout);
    }
    return 0;
}
