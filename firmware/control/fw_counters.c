/* SPDX-License-Identifier: BSD-3-Clause */
/* Names of drop reasons and events, as the operator sees them. */
#include "firmware/fw_counters.h"

#define FW_NAME(e, s) s,
static const char *const drop_names[] = {FW_DROP_REASONS(FW_NAME)};
static const char *const event_names[] = {FW_EVENTS(FW_NAME)};
#undef FW_NAME

const char *fw_drop_name(unsigned int reason)
{
	return reason < FW_DROP_MAX ? drop_names[reason] : NULL;
}

const char *fw_event_name(unsigned int ev)
{
	return ev < FW_EV_MAX ? event_names[ev] : NULL;
}
