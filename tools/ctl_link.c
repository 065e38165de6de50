/* bulkhead-ctl's transport: a TCP connection (e.g. to an emulator's serial
 * socket) or a serial tty, read through a small buffer with deadlines. */
#include "tools/ctl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t ctl_interrupted;

uint64_t ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void link_init(struct ctl_link *l, const char *name)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	snprintf(l->name, sizeof(l->name), "%s", name);
}

/* Milliseconds left until deadline, for poll (0 once it has passed). */
static int ms_left(uint64_t deadline)
{
	uint64_t now = ctl_now_ms();

	if (now >= deadline)
		return 0;
	return deadline - now > INT32_MAX ? INT32_MAX : (int)(deadline - now);
}

/* Waits for events on fd until the deadline: 1 ready, 0 timed out, -1
 * error (interrupted by --watch's stop signal included). */
static int wait_fd(struct ctl_link *l, short events, uint64_t deadline,
		   char *err)
{
	for (;;) {
		struct pollfd p = {.fd = l->fd, .events = events};
		int r = poll(&p, 1, ms_left(deadline));

		if (ctl_interrupted) {
			snprintf(err, CTL_ERR_LEN, "interrupted");
			return -1;
		}
		if (r > 0)
			return 1;
		if (r == 0)
			return 0;
		if (errno != EINTR) {
			snprintf(err, CTL_ERR_LEN, "%s: poll: %s", l->name,
				 strerror(errno));
			return -1;
		}
	}
}

/* ---- TCP --------------------------------------------------------------- */

int ctl_split_hostport(const char *s, char *host, size_t hostcap, char *port,
		       size_t portcap, char *err)
{
	const char *colon, *h = s;
	size_t hl;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			goto bad;
		h = s + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			goto bad;
		hl = (size_t)(colon - s);
	}
	char *end;
	unsigned long p = strtoul(colon + 1, &end, 10);
	if (!hl || hl >= hostcap || colon[1] < '0' || colon[1] > '9' || *end ||
	    p == 0 || p > 65535)
		goto bad;
	memcpy(host, h, hl);
	host[hl] = '\0';
	snprintf(port, portcap, "%lu", p);
	return 0;
bad:
	snprintf(err, CTL_ERR_LEN,
		 "bad address '%s' (want HOST:PORT, e.g. 127.0.0.1:5555)", s);
	return -1;
}

/* Connects fd to addr within the deadline: 0, or -1 with errno. */
static int connect_within(int fd, const struct sockaddr *addr, socklen_t len,
			  uint64_t deadline)
{
	if (connect(fd, addr, len) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -1;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int r = poll(&p, 1, ms_left(deadline));
		if (r < 0 && errno == EINTR && !ctl_interrupted)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		break;
	}
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		return -1;
	if (soerr) {
		errno = soerr;
		return -1;
	}
	return 0;
}

static int try_addr(struct ctl_link *l, int family, const struct sockaddr *sa,
		    socklen_t len, uint64_t deadline)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return -1;
	if (connect_within(fd, sa, len, deadline) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	/* Frames are small and we wait for each reply: send at once. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	l->fd = fd;
	l->is_socket = true;
	return 0;
}

/* A numeric IPv4 or IPv6 address, or "localhost". Returns 0, or -1 if
 * host is a name to look up. */
static int numeric_addr(struct ctl_link *l, const char *host, unsigned port,
			uint64_t deadline, int *result)
{
	struct sockaddr_in a4 = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6,
				  .sin6_port = htons((uint16_t)port)};

	if (!strcmp(host, "localhost"))
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &a4.sin_addr) == 1) {
		*result = try_addr(l, AF_INET, (struct sockaddr *)&a4,
				   sizeof(a4), deadline);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6.sin6_addr) == 1) {
		*result = try_addr(l, AF_INET6, (struct sockaddr *)&a6,
				   sizeof(a6), deadline);
		return 0;
	}
	return -1;
}

int ctl_link_connect(struct ctl_link *l, const char *hostport, int timeout_ms,
		     char *err)
{
	char host[256], port[8];
	uint64_t deadline = ctl_now_ms() + (uint64_t)timeout_ms;
	int r = -1;

	link_init(l, hostport);
	if (ctl_split_hostport(hostport, host, sizeof(host), port, sizeof(port),
			       err))
		return -1;
	errno = 0;
	if (numeric_addr(l, host, (unsigned)atoi(port), deadline, &r) < 0) {
#ifdef CTL_NO_RESOLVER
		/* The static build: glibc's resolver needs its shared
		 * libraries at run time, which an initramfs lacks. */
		snprintf(err, CTL_ERR_LEN,
			 "cannot resolve '%s' in the static build: use a "
			 "numeric address",
			 host);
		return -1;
#else
		struct addrinfo hints = {.ai_family = AF_UNSPEC,
					 .ai_socktype = SOCK_STREAM,
					 .ai_flags = AI_NUMERICSERV},
				*res, *ai;
		int gai = getaddrinfo(host, port, &hints, &res);

		if (gai) {
			snprintf(err, CTL_ERR_LEN, "cannot resolve '%s': %s",
				 host, gai_strerror(gai));
			return -1;
		}
		for (ai = res; ai && r < 0; ai = ai->ai_next)
			r = try_addr(l, ai->ai_family, ai->ai_addr,
				     ai->ai_addrlen, deadline);
		freeaddrinfo(res);
#endif
	}
	if (r < 0) {
		snprintf(err, CTL_ERR_LEN, "cannot connect to %s: %s", hostport,
			 ctl_interrupted ? "interrupted"
					 : strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}

/* ---- serial device ----------------------------------------------------- */

int ctl_link_device(struct ctl_link *l, const char *path, char *err)
{
	struct termios t;

	link_init(l, path);
	l->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (l->fd < 0) {
		snprintf(err, CTL_ERR_LEN, "cannot open %s: %s", path,
			 strerror(errno));
		return -1;
	}
	if (tcgetattr(l->fd, &l->saved) < 0) {
		snprintf(err, CTL_ERR_LEN, "%s: not a serial device: %s", path,
			 strerror(errno));
		goto fail;
	}
	t = l->saved;
	cfmakeraw(&t);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB | CRTSCTS);
	t.c_cflag |= CS8 | CLOCAL | CREAD;
	t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (cfsetispeed(&t, B115200) < 0 || cfsetospeed(&t, B115200) < 0 ||
	    tcsetattr(l->fd, TCSANOW, &t) < 0) {
		snprintf(err, CTL_ERR_LEN, "%s: cannot set 115200 8N1: %s",
			 path, strerror(errno));
		goto fail;
	}
	l->is_tty = true;
	tcflush(l->fd, TCIOFLUSH); /* whatever was waiting is not for us */
	return 0;
fail:
	close(l->fd);
	l->fd = -1;
	return -1;
}

int ctl_link_lock(struct ctl_link *l, uint64_t deadline, char *err)
{
	if (!l->is_tty)
		return 0;
	while (flock(l->fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, CTL_ERR_LEN, "%s: flock: %s", l->name,
				 strerror(errno));
			return -1;
		}
		if (ctl_interrupted || ctl_now_ms() >= deadline) {
			snprintf(err, CTL_ERR_LEN,
				 "%s is busy (another bulkhead-ctl?)", l->name);
			return -1;
		}
		nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000},
			  NULL);
	}
	return 0;
}

void ctl_link_unlock(struct ctl_link *l)
{
	if (l->is_tty)
		flock(l->fd, LOCK_UN);
}

/* ---- both ---------------------------------------------------------------- */

int ctl_link_write(struct ctl_link *l, const void *p, size_t n,
		   uint64_t deadline, char *err)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = l->is_socket ? send(l->fd, b, n, MSG_NOSIGNAL)
					 : write(l->fd, b, n);
		if (w > 0) {
			b += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			snprintf(err, CTL_ERR_LEN, "%s: write: %s", l->name,
				 strerror(errno));
			return -1;
		}
		int r = wait_fd(l, POLLOUT, deadline, err);
		if (r < 0)
			return -1;
		if (r == 0) {
			snprintf(err, CTL_ERR_LEN, "%s: write timed out",
				 l->name);
			return -1;
		}
	}
	return 0;
}

int ctl_link_getc(struct ctl_link *l, uint8_t *b, uint64_t deadline, char *err)
{
	while (l->pos == l->len) {
		ssize_t n = read(l->fd, l->buf, sizeof(l->buf));

		if (n > 0) {
			l->pos = 0;
			l->len = (size_t)n;
			break;
		}
		if (n == 0) {
			snprintf(err, CTL_ERR_LEN, "%s: connection closed",
				 l->name);
			return -1;
		}
		if (errno != EAGAIN && errno != EINTR) {
			snprintf(err, CTL_ERR_LEN, "%s: read: %s", l->name,
				 strerror(errno));
			return -1;
		}
		int r = wait_fd(l, POLLIN, deadline, err);
		if (r <= 0)
			return r;
	}
	*b = l->buf[l->pos++];
	return 1;
}

void ctl_link_close(struct ctl_link *l)
{
	if (l->fd < 0)
		return;
	if (l->is_tty)
		tcsetattr(l->fd, TCSADRAIN, &l->saved);
	close(l->fd);
	l->fd = -1;
}
