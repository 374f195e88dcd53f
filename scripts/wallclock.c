/* Moves the wall clock, and only the wall clock, by WALLCLOCK_OFFSET seconds.
 *
 * Loaded with LD_PRELOAD by scripts/at-utc. Every reader of the time of day in the process
 * and its children sees the moved clock: Python's time/datetime, pendulum, DuckDB's now()
 * and today(), pyarrow. The monotonic clocks stay real, so sleeps, lock timeouts and
 * condition waits keep their length. (Debian's libfaketime 0.9.10 moves both or breaks
 * sleeps: with the monotonic clock faked, Python 3.11's timed lock waits never return;
 * with FAKETIME_DONT_FAKE_MONOTONIC, time.sleep fails with EINVAL.)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long offset_seconds(void) {
    static long offset = 0;
    static int read = 0;
    if (!read) {
        const char *text = getenv("WALLCLOCK_OFFSET");
        offset = text ? strtol(text, NULL, 10) : 0;
        read = 1;
    }
    return offset;
}

static int wall(clockid_t clock) {
    return clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE || clock == CLOCK_TAI;
}

int clock_gettime(clockid_t clock, struct timespec *ts) {
    static int (*real)(clockid_t, struct timespec *) = NULL;
    if (!real) real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    int status = real(clock, ts);
    if (status == 0 && ts && wall(clock)) ts->tv_sec += offset_seconds();
    return status;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
    static int (*real)(struct timeval *restrict, void *restrict) = NULL;
    if (!real) real = (int (*)(struct timeval *restrict, void *restrict))dlsym(RTLD_NEXT, "gettimeofday");
    int status = real(tv, tz);
    if (status == 0 && tv) tv->tv_sec += offset_seconds();
    return status;
}

time_t time(time_t *out) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (out) *out = ts.tv_sec;
    return ts.tv_sec;
}

int timespec_get(struct timespec *ts, int base) {
    if (base != TIME_UTC || clock_gettime(CLOCK_REALTIME, ts) != 0) return 0;
    return base;
}
