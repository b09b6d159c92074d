/*
 * SCIM attribute paths and responses, for the scim connector
 * (connector_scim.c) and its fuzz target. Nothing here does I/O.
 *
 * A scim target's attributes are named by SCIM attribute paths (RFC 7644
 * section 3.10, and the PATCH path of section 3.5.2):
 *
 *	userName                                   an attribute of the core schema
 *	name.givenName                             a sub-attribute of a complex attribute
 *	emails[type eq "work"].value               a sub-attribute of the values of a
 *	                                           multi-valued attribute that the filter selects
 *	urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber
 *	urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value
 *	                                           an attribute of an extension schema
 *
 * The filter of a path is one or more `attr eq VALUE` joined by "and",
 * VALUE a JSON string, number, true, false or null: enough to say which
 * value of a multi-valued attribute is meant, and to make it when it is
 * missing. Attribute names compare without case (RFC 7643 section 2.1).
 */
#ifndef ROSTER_SCIM_PATH_H
#define ROSTER_SCIM_PATH_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "util/arena.h"
#include "util/buf.h"

#define SCIM_PATH_MAX 1024	   /* bytes of one attribute path */
#define SCIM_TERMS_MAX 4	   /* "eq" terms in a path's filter */
#define SCIM_VALUE_MAX (64 * 1024) /* bytes of one value read back */

#define SCIM_CORE_USER "urn:ietf:params:scim:schemas:core:2.0:User"
#define SCIM_CORE_GROUP "urn:ietf:params:scim:schemas:core:2.0:Group"

struct scim_term {
	char *attr;
	json_t *value; /* a string, number, true, false or null (owned) */
};

struct scim_path {
	char *urn;  /* the extension schema the attribute is of; NULL: the core schema */
	char *attr; /* the attribute */
	struct scim_term terms[SCIM_TERMS_MAX];
	size_t nterms; /* 0: no filter */
	char *sub;     /* the sub-attribute; NULL: none */
};

/*
 * Parses s into p (released with scim_path_release, also after a failure).
 * 0, or -1 with why (a message naming the offset) filled.
 */
int scim_path_parse(const char *s, struct scim_path *p, char *why, size_t whylen);
void scim_path_release(struct scim_path *p);

/*
 * 1 when p names a multi-valued attribute of the core User or Group schema
 * (emails, phoneNumbers, members, …) without a filter: such a path cannot
 * say which value it means.
 */
int scim_path_multi_unselected(const struct scim_path *p);

/*
 * Appends p as a PATCH operation's path: the URN, the attribute, the filter
 * (values as JSON) and, when with_sub, the sub-attribute.
 */
void scim_path_format(const struct scim_path *p, int with_sub, struct buf *out);

/*
 * Appends a filter (RFC 7644 section 3.4.2.2) that selects the resources
 * whose value at p is value: `userName eq "jan"`, or for a path with a
 * filter `emails[type eq "work" and value eq "jan@example.org"]`. value is
 * quoted as a JSON string: quotes, backslashes and control characters
 * escaped, UTF-8 as it is.
 */
void scim_path_filter(const struct scim_path *p, const char *value, struct buf *out);

/* 1 when the object elem has every term of p's filter (strings compared without ASCII case). */
int scim_path_selects(const struct scim_path *p, const json_t *elem);

/*
 * The value at p in the resource res: 1 and *out (a string of res, or the
 * text of a number or boolean, in a), 0 when there is none (or null), -1
 * when it is not one value (an object or array) or longer than
 * SCIM_VALUE_MAX bytes or holds a NUL. Of a multi-valued attribute without
 * a filter, the value marked primary, else the first.
 */
int scim_path_get(const struct scim_path *p, const json_t *res, struct arena *a, const char **out);

/*
 * Makes the value at p in res value (a JSON string), making what is on
 * the way — an extension's object, a complex attribute, a multi-valued
 * attribute's value with the filter's terms — or, with value NULL or "",
 * removes it: of a filtered path whose sub-attribute is "value" the
 * selected values themselves, else the sub-attribute; what is left empty
 * goes too. 0, or -1 when something on the way is not an object (or not an
 * array where a filter needs one).
 */
int scim_path_set(const struct scim_path *p, json_t *res, const char *value);

/* The member of object o named key, compared without ASCII case (an exact match first); NULL when none. */
json_t *scim_json_get(const json_t *o, const char *key);

/* What a SCIM error response says (RFC 7644 section 3.12). */
struct scim_error {
	char detail[512]; /* its "detail", or the body's first characters when it is not one; printable */
	char type[64];	  /* its "scimType" ("uniqueness", "noTarget", …); "" when none */
};

/* Reads body (len bytes, any bytes) into out. */
void scim_error_parse(const char *body, size_t len, struct scim_error *out);

/*
 * Seconds to wait that a Retry-After value asks for (RFC 9110 section
 * 10.2.3: delay-seconds, or an HTTP-date, from now; a date past is 0). -1
 * when v is neither.
 */
long scim_retry_after(const char *v, time_t now);

/*
 * A ListResponse (RFC 7644 section 3.4.2): its Resources (borrowed from
 * doc; NULL when it has none or they are not an array) and totalResults
 * (-1 when absent or not a number). 0, or -1 when doc is not an object.
 */
int scim_list_parse(const json_t *doc, json_t **resources, long *total);

#endif
