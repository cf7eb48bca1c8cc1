/* The names of the image header's constant groups (the rule: util.h, MIRS__NAME_PAIR). */
#include "util/util.h"

#include <mirsafety/image.h>

static const mirs__name image_format_names[] = {
    {"none", MIRS_IMAGE_FORMAT_NONE},
    {"png", MIRS_IMAGE_FORMAT_PNG},
    {"jpeg", MIRS_IMAGE_FORMAT_JPEG},
    {"jpg", MIRS_IMAGE_FORMAT_JPEG},
};
MIRS__NAME_PAIR(image_format, image_format_names, "image format")

static const mirs__name layout_names[] = {
    {"rgb8", MIRS_LAYOUT_RGB8},  {"rgba8", MIRS_LAYOUT_RGBA8}, {"gray8", MIRS_LAYOUT_GRAY8}, {"rgb", MIRS_LAYOUT_RGB8},
    {"rgba", MIRS_LAYOUT_RGBA8}, {"gray", MIRS_LAYOUT_GRAY8},  {"l", MIRS_LAYOUT_GRAY8},
};
MIRS__NAME_PAIR(layout, layout_names, "pixel layout")

static const mirs__name jpeg_warnings_names[] = {
    {"strict", MIRS_JPEG_WARNINGS_STRICT},
    {"tolerate", MIRS_JPEG_WARNINGS_TOLERATE},
};
MIRS__NAME_PAIR(jpeg_warnings, jpeg_warnings_names, "JPEG warnings mode")

static const mirs__name jpeg_dct_names[] = {
    {"exact", MIRS_JPEG_DCT_EXACT},
    {"fast", MIRS_JPEG_DCT_FAST},
};
MIRS__NAME_PAIR(jpeg_dct, jpeg_dct_names, "JPEG DCT method")

static const mirs__name jpeg_subsampling_names[] = {
    {"444", MIRS_JPEG_SUBSAMPLING_444},
    {"422", MIRS_JPEG_SUBSAMPLING_422},
    {"420", MIRS_JPEG_SUBSAMPLING_420},
};
MIRS__NAME_PAIR(jpeg_subsampling, jpeg_subsampling_names, "JPEG subsampling")

static const mirs__name resize_names[] = {
    {"area", MIRS_RESIZE_AREA},
    {"bilinear", MIRS_RESIZE_BILINEAR},
    {"bicubic", MIRS_RESIZE_BICUBIC},
};
MIRS__NAME_PAIR(resize, resize_names, "resize method")

static const mirs__name composite_names[] = {
    {"row", MIRS_COMPOSITE_ROW},
    {"column", MIRS_COMPOSITE_COLUMN},
    {"grid", MIRS_COMPOSITE_GRID},
};
MIRS__NAME_PAIR(composite, composite_names, "composite arrangement")
