package shrink

/*
#cgo pkg-config: libjpeg
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

// libjpeg reports errors by calling error_exit, which must not return: jump
// back to the caller with the message.
struct borne_err {
	struct jpeg_error_mgr pub;
	jmp_buf jump;
	char msg[JMSG_LENGTH_MAX];
};

static void borne_error_exit(j_common_ptr c) {
	struct borne_err *e = (struct borne_err *)c->err;
	(*c->err->format_message)(c, e->msg);
	longjmp(e->jump, 1);
}

// A truncated file is only a warning to libjpeg (it pads with grey): make
// it an error. Other warnings are ignored.
static void borne_emit_message(j_common_ptr c, int level) {
	if (level < 0 && c->err->msg_code == JWRN_JPEG_EOF) {
		borne_error_exit(c);
	}
}

struct borne_jpeg {
	struct jpeg_decompress_struct d;
	struct borne_err err;
};

static struct borne_jpeg *borne_open(const unsigned char *data, unsigned long size) {
	struct borne_jpeg *j = calloc(1, sizeof *j);
	if (!j) return NULL;
	j->d.err = jpeg_std_error(&j->err.pub);
	j->err.pub.error_exit = borne_error_exit;
	j->err.pub.emit_message = borne_emit_message;
	jpeg_create_decompress(&j->d);
	jpeg_mem_src(&j->d, data, size);
	return j;
}

static void borne_close(struct borne_jpeg *j) {
	jpeg_destroy_decompress(&j->d);
	free(j);
}

// borne_header reads the header; 0 on success.
static int borne_header(struct borne_jpeg *j, int *w, int *h, int *comps, int *space) {
	if (setjmp(j->err.jump)) return -1;
	jpeg_read_header(&j->d, TRUE);
	*w = j->d.image_width;
	*h = j->d.image_height;
	*comps = j->d.num_components;
	*space = j->d.jpeg_color_space;
	return 0;
}

// borne_decode decodes to luma and 4:2:0 chroma planes (cb and cr NULL for
// a grey image), through a buffer of 2 rows; 0 on success.
static int borne_decode(struct borne_jpeg *j, unsigned char *y, unsigned char *cb, unsigned char *cr, unsigned char *buf) {
	if (setjmp(j->err.jump)) return -1;
	int colour = cb != NULL;
	j->d.out_color_space = colour ? JCS_YCbCr : JCS_GRAYSCALE;
	j->d.do_fancy_upsampling = FALSE; // chroma is subsampled again below
	jpeg_start_decompress(&j->d);
	int w = j->d.output_width, cw = (w + 1) / 2;
	int comps = colour ? 3 : 1;
	JSAMPROW rows[2] = {buf, buf + (size_t)w * comps};
	while (j->d.output_scanline < j->d.output_height) {
		int row = j->d.output_scanline;
		int n = jpeg_read_scanlines(&j->d, rows, 2);
		for (int r = 0; r < n; r++) {
			unsigned char *src = rows[r], *dst = y + (size_t)(row + r) * w;
			if (!colour) {
				for (int x = 0; x < w; x++) dst[x] = src[x];
				continue;
			}
			for (int x = 0; x < w; x++) dst[x] = src[3 * x];
			if ((row + r) % 2 == 0) {
				unsigned char *b = cb + (size_t)((row + r) / 2) * cw, *c = cr + (size_t)((row + r) / 2) * cw;
				for (int x = 0; x < cw; x++) {
					b[x] = src[6 * x + 1];
					c[x] = src[6 * x + 2];
				}
			}
		}
	}
	jpeg_finish_decompress(&j->d);
	return 0;
}

// borne_encode compresses planes as a baseline JFIF JPEG stating dpi: luma
// w×h, chroma at half resolution (cb and cr NULL for grey), with Huffman
// tables fitted to the picture (lossless, 3 to 8% smaller; progressive
// coding gained cards 3% and cost photos as much, so it is not used). row
// holds 3w bytes. The result is malloc'ed into *out; 0 on success.
static int borne_encode(const unsigned char *y, int ys, const unsigned char *cb, const unsigned char *cr, int cs,
                        int w, int h, int quality, int dpi, unsigned char *row,
                        unsigned char **out, unsigned long *outlen, char *msg) {
	struct jpeg_compress_struct c;
	struct borne_err err;
	c.err = jpeg_std_error(&err.pub);
	err.pub.error_exit = borne_error_exit;
	*out = NULL;
	*outlen = 0;
	if (setjmp(err.jump)) {
		memcpy(msg, err.msg, JMSG_LENGTH_MAX);
		jpeg_destroy_compress(&c);
		free(*out);
		*out = NULL;
		return -1;
	}
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, out, outlen);
	c.image_width = w;
	c.image_height = h;
	c.input_components = cb ? 3 : 1;
	c.in_color_space = cb ? JCS_YCbCr : JCS_GRAYSCALE;
	jpeg_set_defaults(&c); // 4:2:0 for colour
	jpeg_set_quality(&c, quality, TRUE);
	c.optimize_coding = TRUE;
	c.density_unit = 1;
	c.X_density = c.Y_density = dpi;
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		int line = c.next_scanline;
		JSAMPROW r = (JSAMPROW)(y + (size_t)line * ys);
		if (cb) {
			const unsigned char *b = cb + (size_t)(line / 2) * cs, *d = cr + (size_t)(line / 2) * cs;
			for (int x = 0; x < w; x++) {
				row[3 * x] = r[x];
				row[3 * x + 1] = b[x / 2];
				row[3 * x + 2] = d[x / 2];
			}
			r = row;
		}
		jpeg_write_scanlines(&c, &r, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	return 0;
}
*/
import "C"

import (
	"fmt"
	"math"
	"unsafe"
)

// decodeJPEG decodes a JPEG into planes with libjpeg(-turbo), some five
// times faster than image/jpeg on a page (encoding likewise). ok is false for JPEGs it leaves
// to image/jpeg (CMYK).
func decodeJPEG(data []byte) (p *planes, ok bool, err error) {
	if len(data) == 0 {
		return nil, true, fmt.Errorf("%w: empty file", ErrBadImage)
	}
	// libjpeg keeps the source between calls: it must be C memory.
	src := C.CBytes(data)
	defer C.free(src)
	j := C.borne_open((*C.uchar)(src), C.ulong(len(data)))
	if j == nil {
		return nil, true, fmt.Errorf("%w: out of memory", ErrBadImage)
	}
	defer C.borne_close(j)
	var w, h, comps, space C.int
	if C.borne_header(j, &w, &h, &comps, &space) != 0 {
		return nil, true, fmt.Errorf("%w: %s", ErrBadImage, C.GoString(&j.err.msg[0]))
	}
	colour := comps == 3 && space == C.JCS_YCbCr
	if comps != 1 && !colour { // RGB or CMYK coded
		return nil, false, nil
	}
	if err := checkSize(int(w), int(h)); err != nil {
		return nil, true, err
	}
	buf := (*C.uchar)(C.malloc(C.size_t(w) * 3 * 2))
	defer C.free(unsafe.Pointer(buf))
	// The planes are written during the one call: Go memory will do.
	p = &planes{y: newPlane(int(w), int(h), 0)}
	var cb, cr *C.uchar
	if colour {
		cw, ch := (int(w)+1)/2, (int(h)+1)/2
		p.cb, p.cr = newPlane(cw, ch, 0), newPlane(cw, ch, 0)
		cb, cr = (*C.uchar)(&p.cb.pix[0]), (*C.uchar)(&p.cr.pix[0])
	}
	if C.borne_decode(j, (*C.uchar)(&p.y.pix[0]), cb, cr, buf) != 0 {
		return nil, true, fmt.Errorf("%w: %s", ErrBadImage, C.GoString(&j.err.msg[0]))
	}
	return p, true, nil
}

// encodeJPEG encodes planes (grey when they have no chroma) as a JPEG that
// states its resolution.
func encodeJPEG(p *planes, quality int, dpi float64) ([]byte, error) {
	w, h := p.y.w, p.y.h
	row := make([]byte, 3*w)
	var cb, cr *C.uchar
	cs := 0
	if p.colour() {
		cb, cr, cs = (*C.uchar)(&p.cb.pix[0]), (*C.uchar)(&p.cr.pix[0]), p.cb.stride
	}
	var out *C.uchar
	var n C.ulong
	var msg [C.JMSG_LENGTH_MAX]C.char
	// The planes and row are read during the one call: Go memory will do.
	if C.borne_encode((*C.uchar)(&p.y.pix[0]), C.int(p.y.stride), cb, cr, C.int(cs), C.int(w), C.int(h),
		C.int(quality), C.int(math.Round(dpi)), (*C.uchar)(&row[0]), &out, &n, &msg[0]) != 0 {
		return nil, fmt.Errorf("encode JPEG: %s", C.GoString(&msg[0]))
	}
	defer C.free(unsafe.Pointer(out))
	return C.GoBytes(unsafe.Pointer(out), C.int(n)), nil
}
