/*
 * Dutch naming conventions (issue "rules and plan", Naming): the names built
 * from a person's birth name, partner name and name convention. Exact,
 * because people see these names every day.
 *
 *	family_name_birth   prefix + " " + family_name ("de Vries"); without prefix: family_name
 *	family_name_partner partner_name_prefix + " " + partner_name ("van Dijk"); "" without partner_name
 *	family_name_full    by name_convention: B birth; P partner; BP birth "-" partner;
 *	                    PB partner "-" birth. Empty or unknown, or P/BP/PB
 *	                    without a partner name: as B
 *	display_name        given_name + " " + family_name_full ("Jan de Vries-van Dijk")
 *
 * A separator stands only between two parts that are both there: an empty
 * given name gives display_name = family_name_full, without a leading
 * space; an empty birth name gives BP or PB the partner name alone, without
 * a hyphen. A prefix without its name is dropped (family_name_birth is ""
 * when family_name is, as family_name_partner is without partner_name).
 * The convention is read in any case ("bp" is BP). Values are used as they
 * are (not trimmed).
 */
#ifndef ROSTER_NAMING_H
#define ROSTER_NAMING_H

#include "source/snapshot.h"
#include "util/buf.h"

enum name_kind { NAME_BIRTH, NAME_PARTNER, NAME_FULL, NAME_DISPLAY };

/* Appends the name of kind k of person p to out (nothing when it is empty). */
void naming_build(const struct person *p, enum name_kind k, struct buf *out);

/*
 * The same from loose parts (given, prefix, family, partner prefix, partner
 * name, convention); any may be "" but none NULL.
 */
void naming_build_parts(const char *given, const char *prefix, const char *family, const char *pprefix,
			const char *partner, const char *convention, enum name_kind k, struct buf *out);

/* The kind named "family_name_full" etc.; -1 when name is not one of the four. */
int naming_kind(const char *name);

#endif
