/* Inside plan/: what plan.c and plan_out.c share. */
#ifndef ROSTER_PLAN_INT_H
#define ROSTER_PLAN_INT_H

#include "plan/plan.h"
#include "util/buf.h"

/* A reason as a JSON object / as words, appended to out. */
void plan_reason_json(const struct plan_reason *r, struct buf *out);
void plan_reason_text(const struct plan_reason *r, struct buf *out);
/* A day as a JSON string, or null when it is none (DATE_NONE, PERIOD_DAWN or the day none). */
void plan_json_day(struct buf *out, civil_day d, civil_day none);

#endif
