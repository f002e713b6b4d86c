/* SPDX-License-Identifier: GPL-2.0 */
/*
 * teearrayd logging: "teearrayd: <level>: message" on stderr, and to
 * syslog (daemon facility) when enabled.  Safe from any thread.
 */
#ifndef TD_LOG_H
#define TD_LOG_H

#include <syslog.h>

/* use_syslog: also log to syslog; max_prio: LOG_INFO, or LOG_DEBUG for -v. */
void td_log_init(int use_syslog, int max_prio);
/* Tests: 0 silences stderr below LOG_WARNING. */
void td_log_set_stderr_prio(int max_prio);
void td_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* TD_LOG_H */
