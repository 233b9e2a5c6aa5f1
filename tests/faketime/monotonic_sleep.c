/* Loaded before Debian's libfaketime when CI runs the suite at a shifted date (.ci/run).
 *
 * libfaketime 0.9.10 shifts CLOCK_MONOTONIC too, unless FAKETIME_DONT_FAKE_MONOTONIC=1; but Python's
 * timed waits (queue.get(timeout=...), Event.wait) use sem_clockwait(CLOCK_MONOTONIC), which it does not
 * wrap, so with a shifted monotonic clock they wait for months. With the monotonic clock left alone,
 * its clock_nanosleep wrapper still shifts monotonic deadlines and time.sleep() fails with EINVAL.
 * This passes monotonic sleeps straight to the kernel; everything else goes on to libfaketime.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef int (*clock_nanosleep_fn)(clockid_t, int, const struct timespec *, struct timespec *);

int clock_nanosleep(clockid_t clock, int flags, const struct timespec *request, struct timespec *remain) {
    if (clock == CLOCK_MONOTONIC || clock == CLOCK_MONOTONIC_RAW || clock == CLOCK_BOOTTIME) {
        /* the call returns an error number rather than setting errno */
        return syscall(SYS_clock_nanosleep, clock, flags, request, remain) == 0 ? 0 : errno;
    }
    static clock_nanosleep_fn next;
    if (!next) next = (clock_nanosleep_fn)dlsym(RTLD_NEXT, "clock_nanosleep");
    return next(clock, flags, request, remain);
}
