package llmtest

import (
	"syscall"
	"time"
)

// fineSleep sleeps for d, a short time (under a few milliseconds), to
// within the kernel's timer slack (about 50µs) rather than the Go
// runtime's millisecond: when every processor is idle, the runtime waits
// for its next timer in epoll_wait, whose timeout is whole milliseconds,
// so that a time.Timer fires up to a millisecond late. It blocks its
// thread in nanosleep; the runtime hands the goroutine's processor to
// other goroutines meanwhile.
func fineSleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	for {
		var left syscall.Timespec
		err := syscall.Nanosleep(&ts, &left)
		if err != syscall.EINTR {
			return
		}
		ts = left
	}
}
