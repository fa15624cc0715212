/* SPDX-License-Identifier: ISC */
/*
 * Logging to stderr. Every line names the program and, for warnings and
 * debug output, the function. errno survives a log call, so
 * `log_error(...); return -errno;` is safe. Debug lines compile away when
 * NDEBUG is set (release builds).
 */
#ifndef KEYGATE_LOG_H
#define KEYGATE_LOG_H

enum log_level {
	LOGL_SILENT = 0,
	LOGL_ERROR,
	LOGL_WARN,
	LOGL_INFO,
	LOGL_DEBUG,
};

void log_init(const char *prog, enum log_level level);
enum log_level log_get_level(void);
void log_msg(enum log_level level, const char *func, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_error(...) log_msg(LOGL_ERROR, __func__, __VA_ARGS__)
#define log_warn(...)  log_msg(LOGL_WARN, __func__, __VA_ARGS__)
#define log_info(...)  log_msg(LOGL_INFO, __func__, __VA_ARGS__)
#ifdef NDEBUG
#define log_debug(...) ((void)0)
#else
#define log_debug(...) log_msg(LOGL_DEBUG, __func__, __VA_ARGS__)
#endif

#endif
