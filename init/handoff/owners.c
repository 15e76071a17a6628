/*
 * Who made each allocation (see owners.h): a fixed table as large as the
 * allocation table, checked against it whenever it is read.
 */
#include "handoff/owners.h"

#include <string.h>

struct owner {
	int used;
	char id[PACT_HANDOFF_ALLOC_ID_MAX + 1];
	uid_t uid;
	struct handoff_ref ref;
};

static struct owner owners[ALLOC_MAX];

static int is_id(void *ctx, const struct alloc_info *a)
{
	return strcmp(a->id, ctx) == 0 && strcmp(a->state, "releasing") != 0;
}

int owners_is_live(const char *id)
{
	return alloc_foreach(is_id, (void *)id) != 0;
}

void owners_refresh(void)
{
	for (int i = 0; i < ALLOC_MAX; i++)
		if (owners[i].used && !owners_is_live(owners[i].id))
			owners[i].used = 0;
}

void owners_note(const char *id, uid_t uid, struct handoff_ref ref)
{
	owners_refresh();
	struct owner *free_slot = NULL;
	for (int i = 0; i < ALLOC_MAX; i++) {
		if (owners[i].used && strcmp(owners[i].id, id) == 0)
			return; /* its maker is known: a later request only joined it */
		if (!owners[i].used && !free_slot)
			free_slot = &owners[i];
	}
	if (!free_slot || !owners_is_live(id))
		return; /* refused, or failed at once: nothing was made */
	free_slot->used = 1;
	memcpy(free_slot->id, id, strlen(id) + 1);
	free_slot->uid = uid;
	free_slot->ref = ref;
}

int owners_of_uid(uid_t uid)
{
	int n = 0;
	for (int i = 0; i < ALLOC_MAX; i++)
		n += owners[i].used && owners[i].uid == uid;
	return n;
}

int owners_of_ref(struct handoff_ref ref)
{
	int n = 0;
	for (int i = 0; i < ALLOC_MAX; i++)
		n += owners[i].used && owners[i].ref.idx == ref.idx && owners[i].ref.gen == ref.gen;
	return n;
}
