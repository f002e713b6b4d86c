// SPDX-License-Identifier: GPL-2.0
/*
 * teearrayd logging.
 */
#include <stdarg.h>
#include <stdio.h>

#include "td-log.h"

static int td_use_syslog;
static int td_max_prio = LOG_INFO;

void td_log_init(int use_syslog, int max_prio)
{
	td_use_syslog = use_syslog;
	td_max_prio = max_prio;
	if (use_syslog)
		openlog("teearrayd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void td_log_set_stderr_prio(int max_prio)
{
	td_max_prio = max_prio;
}

void td_log(int prio, const char *fmt, ...)
{
	static const char *const lvl[] = {
		"emergency", "alert", "critical", "error", "warning", "notice", "info", "debug",
	};
	char msg[1024];
	va_list ap;

	if (prio > td_max_prio && !(td_use_syslog && prio <= LOG_INFO))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (prio <= td_max_prio)
		fprintf(stderr, "teearrayd: %s: %s\n", lvl[prio & 7], msg);
	if (td_use_syslog)
		syslog(prio, "%s", msg);
}
