// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

import (
	"image"
	"image/color"
)

// pixelsOf returns a buffer that hm_hash_pixels can read for img: the
// image's own memory where its layout is one the C library takes (grey,
// non-premultiplied RGBA, opaque RGBA), otherwise an 8-bit RGB (or grey)
// copy. The buffer starts at the image's top-left pixel.
func pixelsOf(img image.Image) (pix []byte, stride int, f PixelFormat) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.Gray:
		return m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, Gray8
	case *image.NRGBA:
		// Alpha is ignored by the C library, as by the reference tools:
		// the stored (non-premultiplied) colour is hashed.
		return m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, RGBA32
	case *image.RGBA:
		if m.Opaque() {
			return m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, RGBA32
		}
	case *image.Gray16:
		out := make([]byte, w*h)
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				out[y*w+x] = row[2*x] // high byte
			}
		}
		return out, w, Gray8
	case *image.NRGBA64:
		out := make([]byte, 3*w*h)
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				o := out[3*(y*w+x):]
				o[0], o[1], o[2] = row[8*x], row[8*x+2], row[8*x+4] // high bytes
			}
		}
		return out, 3 * w, RGB24
	case *image.YCbCr:
		out := make([]byte, 3*w*h)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := m.COffset(b.Min.X+x, b.Min.Y+y)
				r, g, bl := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				o := out[3*(y*w+x):]
				o[0], o[1], o[2] = r, g, bl
			}
		}
		return out, 3 * w, RGB24
	case *image.Paletted:
		pal := make([][3]byte, len(m.Palette))
		for i, c := range m.Palette {
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			pal[i] = [3]byte{n.R, n.G, n.B}
		}
		out := make([]byte, 3*w*h)
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				var c [3]byte
				if int(row[x]) < len(pal) {
					c = pal[row[x]]
				}
				copy(out[3*(y*w+x):], c[:])
			}
		}
		return out, 3 * w, RGB24
	}
	// Anything else (and RGBA with transparency): un-premultiplied 8-bit
	// colour through the image's own colour model.
	out := make([]byte, 3*w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			o := out[3*(y*w+x):]
			o[0], o[1], o[2] = n.R, n.G, n.B
		}
	}
	return out, 3 * w, RGB24
}
