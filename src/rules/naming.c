/*
 * The four names are joins of non-empty parts: a space between prefix and
 * name, a hyphen between birth and partner name, a space between given name
 * and family name. A separator is written only between two parts that are
 * both there, so a missing part never leaves a stray " " or "-" behind (an
 * empty given name gives a display name without a leading space).
 *
 * A prefix belongs to its name: without the name it is dropped, for the
 * birth name as the issue says it for the partner name ("van" alone is not
 * a family name). Values are used as they are: the source readers trim them
 * and keep inner spaces ("van der").
 */
#include <string.h>
#include <strings.h>

#include "rules/naming.h"
#include "util/err.h"
#include "util/banned.h"

enum convention { CONV_B, CONV_P, CONV_BP, CONV_PB };

/*
 * The convention that applies. The sources store it in upper case; loose
 * parts may come in any case. One that uses a partner name while there is
 * none falls back to B, as an empty or unknown one does (validate.c warns
 * about both when importing).
 */
static enum convention
convention_of(const char *c, const char *partner)
{
	if (!*partner)
		return CONV_B;
	if (!strcasecmp(c, "P"))
		return CONV_P;
	if (!strcasecmp(c, "BP"))
		return CONV_BP;
	if (!strcasecmp(c, "PB"))
		return CONV_PB;
	return CONV_B;
}

/* Appends prefix " " name, or name alone, or nothing when name is empty. Returns 1 when it appended anything. */
static int
add_name(struct buf *out, const char *prefix, const char *name)
{
	if (!*name)
		return 0;
	if (*prefix) {
		buf_adds(out, prefix);
		buf_addch(out, ' ');
	}
	buf_adds(out, name);
	return 1;
}

/* Appends the family name as the convention has it. Returns 1 when it appended anything. */
static int
add_full(struct buf *out, const char *prefix, const char *family, const char *pprefix, const char *partner,
	 const char *convention)
{
	size_t start = out->len;

	switch (convention_of(convention, partner)) {
	case CONV_B: add_name(out, prefix, family); break;
	case CONV_P: add_name(out, pprefix, partner); break;
	case CONV_BP:
		if (add_name(out, prefix, family))
			buf_addch(out, '-');
		add_name(out, pprefix, partner);
		break;
	case CONV_PB:
		add_name(out, pprefix, partner);
		if (*family)
			buf_addch(out, '-');
		add_name(out, prefix, family);
		break;
	}
	return out->len > start;
}

void
naming_build_parts(const char *given, const char *prefix, const char *family, const char *pprefix, const char *partner,
		   const char *convention, enum name_kind k, struct buf *out)
{
	switch (k) {
	case NAME_BIRTH: add_name(out, prefix, family); break;
	case NAME_PARTNER: add_name(out, pprefix, partner); break;
	case NAME_FULL: add_full(out, prefix, family, pprefix, partner, convention); break;
	case NAME_DISPLAY:
		if (*given) {
			buf_adds(out, given);
			buf_addch(out, ' ');
		}
		/* Without a family name the space after the given name goes again. */
		if (!add_full(out, prefix, family, pprefix, partner, convention) && *given)
			out->s[--out->len] = '\0';
		break;
	default: BUG("unknown name kind %d", (int)k);
	}
}

void
naming_build(const struct person *p, enum name_kind k, struct buf *out)
{
	naming_build_parts(p->f[P_GIVEN_NAME], p->f[P_FAMILY_NAME_PREFIX], p->f[P_FAMILY_NAME],
			   p->f[P_PARTNER_NAME_PREFIX], p->f[P_PARTNER_NAME], p->f[P_NAME_CONVENTION], k, out);
}

int
naming_kind(const char *name)
{
	static const char *const names[] = {
		[NAME_BIRTH] = "family_name_birth",
		[NAME_PARTNER] = "family_name_partner",
		[NAME_FULL] = "family_name_full",
		[NAME_DISPLAY] = "display_name",
	};

	for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	return -1;
}
