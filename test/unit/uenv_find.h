/*
 * Test helper shared by the unit and host uenv tests: the listing entry of
 * one image, found through uenv_foreach.
 */
#ifndef PACT_TEST_UENV_FIND_H
#define PACT_TEST_UENV_FIND_H

#include <string.h>

#include "os/uenv.h"

struct find_ctx {
	const char *image;
	struct uenv_info got;
	int found;
};

static inline int find_cb(void *ctx, const struct uenv_info *info)
{
	struct find_ctx *f = ctx;
	if (strcmp(info->image, f->image) == 0) {
		f->got = *info;
		f->found = 1;
	}
	return 0;
}

static inline struct find_ctx info_of(struct uenv_mgr *m, const char *image)
{
	struct find_ctx f = {.image = image};
	uenv_foreach(m, find_cb, &f);
	return f;
}

#endif
