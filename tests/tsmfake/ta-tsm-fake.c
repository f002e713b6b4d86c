// SPDX-License-Identifier: GPL-2.0
/*
 * ta-tsm-fake: plays the kernel's part of configfs-tsm (Linux 6.7+,
 * Documentation/ABI/testing/configfs-tsm) over a plain tmpfs directory, for
 * VM test 090.
 *
 *   ta-tsm-fake ROOT BACKING PROVIDER TEMPLATE bind|replay READY-FILE
 *
 * ROOT is a bind mount of BACKING; teedisk --tsm-root ROOT sees it as
 * /sys/kernel/config/tsm/report.  The helper holds a fanotify FAN_OPEN_PERM
 * mark on ROOT's mount, so every open below ROOT waits until the helper has
 * answered.  It writes through BACKING (another mount: no events of its
 * own).  Per report entry $name it mirrors the kernel:
 *   - when the first attribute of a new entry is opened (teedisk's inblob),
 *     it creates the attributes the kernel shows for the sev_guest provider:
 *     inblob (WO), outblob, auxblob, provider, generation, privlevel (WO),
 *     privlevel_floor;
 *   - an open of inblob is a write: generation counts it (the kernel
 *     increments it on every write of inblob or an option);
 *   - before an open of outblob, generation or provider completes, a pending
 *     write is applied: outblob is the TEMPLATE report with the 64 inblob
 *     bytes at REPORT_DATA (offset 0x50 of an SEV-SNP report) in bind mode,
 *     or TEMPLATE unchanged in replay mode (recorded evidence replayed);
 *   - configfs removes the attributes with rmdir; teedisk, on a plain tree,
 *     unlinks the four it knows and its rmdir fails, so the helper removes
 *     the rest of an entry once its inblob and provider are gone.
 * The helper's own signature is not simulated: outblob in bind mode is not
 * signed by anything (the verifier of test 090 is a stub that checks format
 * and report data); replayed evidence keeps its real signature.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ENTRIES 256
#define RD_OFF 0x50
#define DIRLEN (PATH_MAX + NAME_MAX + 2)
#define ATTRLEN (DIRLEN + 32)

struct entry {
	char name[NAME_MAX + 1];
	unsigned long gen;
	int pending, used;
};

static struct entry ents[MAX_ENTRIES];
static const char *root, *back, *provider;	/* each shorter than PATH_MAX */
static unsigned char tmpl[16384];
static size_t tmpl_len;
static int bind_mode;

static void put(const char *dir, const char *attr, const void *p, size_t n, mode_t mode)
{
	char path[ATTRLEN];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, p, n) != (ssize_t)n) {
		fprintf(stderr, "ta-tsm-fake: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	close(fd);
}

static struct entry *lookup(const char *name)
{
	struct entry *free_e = NULL;

	for (int i = 0; i < MAX_ENTRIES; i++) {
		if (ents[i].used && !strcmp(ents[i].name, name))
			return &ents[i];
		if (!ents[i].used && !free_e)
			free_e = &ents[i];
	}
	if (!free_e)
		exit(1);
	memset(free_e, 0, sizeof(*free_e));
	free_e->used = 1;
	snprintf(free_e->name, sizeof(free_e->name), "%s", name);
	return free_e;
}

static void generate(const char *dir, struct entry *e)
{
	unsigned char out[sizeof(tmpl)], in[64] = { 0 };
	char path[ATTRLEN], g[32];
	int fd;
	ssize_t n = 0;

	snprintf(path, sizeof(path), "%s/inblob", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, in, sizeof(in));
		close(fd);
	}
	memcpy(out, tmpl, tmpl_len);
	if (bind_mode && n > 0)
		memcpy(out + RD_OFF, in, (size_t)n);
	e->gen++;
	e->pending = 0;
	put(dir, "outblob", out, tmpl_len, 0444);
	snprintf(g, sizeof(g), "%lu\n", e->gen);
	put(dir, "generation", g, strlen(g), 0444);
	printf("ta-tsm-fake: %s: generation %lu, %zu-byte outblob (%s)\n", e->name, e->gen,
	       tmpl_len, bind_mode ? "bound to inblob" : "replayed");
	fflush(stdout);
}

static void on_open(const char *path)
{
	char name[NAME_MAX + 1], dir[DIRLEN], prov[64];
	const char *rel, *attr;
	size_t rl = strlen(root);
	struct entry *e;

	if (strncmp(path, root, rl) || path[rl] != '/')
		return;
	rel = path + rl + 1;
	attr = strchr(rel, '/');
	if (!attr || attr - rel > NAME_MAX || strchr(attr + 1, '/'))
		return;
	memcpy(name, rel, (size_t)(attr - rel));
	name[attr - rel] = 0;
	attr++;
	snprintf(dir, sizeof(dir), "%s/%s", back, name);
	e = lookup(name);
	if (!e->gen && !e->pending) {
		/* A new entry: the attributes configfs shows for sev_guest. */
		snprintf(prov, sizeof(prov), "%s\n", provider);
		put(dir, "provider", prov, strlen(prov), 0444);
		put(dir, "generation", "0\n", 2, 0444);
		put(dir, "outblob", "", 0, 0444);
		put(dir, "auxblob", "", 0, 0444);
		put(dir, "privlevel", "", 0, 0200);
		put(dir, "privlevel_floor", "0\n", 2, 0444);
	}
	if (!strcmp(attr, "inblob"))
		e->pending = 1;
	else if (e->pending && (!strcmp(attr, "outblob") || !strcmp(attr, "generation") ||
				!strcmp(attr, "provider")))
		generate(dir, e);
}

/* Entries teedisk has emptied of inblob and provider: what rmdir removes on configfs. */
static void reap(void)
{
	static const char *const rest[] = { "outblob", "generation", "auxblob", "privlevel",
					     "privlevel_floor" };
	char dir[DIRLEN], p[ATTRLEN];

	for (int i = 0; i < MAX_ENTRIES; i++) {
		if (!ents[i].used)
			continue;
		if (snprintf(dir, sizeof(dir), "%s/%s", back, ents[i].name) >= (int)sizeof(dir))
			continue;
		snprintf(p, sizeof(p), "%s/inblob", dir);
		if (!access(p, F_OK))
			continue;
		snprintf(p, sizeof(p), "%s/provider", dir);
		if (!access(p, F_OK))
			continue;
		for (size_t k = 0; k < sizeof(rest) / sizeof(rest[0]); k++) {
			snprintf(p, sizeof(p), "%s/%s", dir, rest[k]);
			unlink(p);
		}
		rmdir(dir);
		ents[i].used = 0;
	}
}

int main(int argc, char **argv)
{
	char buf[8192] __attribute__((aligned(8)));
	int fan, fd;
	ssize_t n;

	if (argc != 7 || (strcmp(argv[5], "bind") && strcmp(argv[5], "replay"))) {
		fprintf(stderr, "usage: ta-tsm-fake ROOT BACKING PROVIDER TEMPLATE bind|replay "
			"READY-FILE\n");
		return 2;
	}
	root = argv[1];
	back = argv[2];
	provider = argv[3];
	bind_mode = !strcmp(argv[5], "bind");
	fd = open(argv[4], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, tmpl, sizeof(tmpl))) <= RD_OFF + 64) {
		fprintf(stderr, "ta-tsm-fake: %s: unreadable or too short\n", argv[4]);
		return 1;
	}
	tmpl_len = (size_t)n;
	close(fd);
	fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY | O_LARGEFILE);
	if (fan < 0 || fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_PERM,
				     AT_FDCWD, root)) {
		perror("ta-tsm-fake: fanotify");
		return 1;
	}
	put("", argv[6], "ready\n", 6, 0644);	/* READY-FILE is absolute */
	for (;;) {
		struct pollfd pfd = { .fd = fan, .events = POLLIN };
		struct fanotify_event_metadata *m;

		if (poll(&pfd, 1, 100) <= 0) {
			reap();
			continue;
		}
		n = read(fan, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 1;
		for (m = (void *)buf; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			struct fanotify_response r = { .fd = m->fd, .response = FAN_ALLOW };
			char link[64], path[PATH_MAX];
			ssize_t l;

			if (m->fd < 0)
				continue;
			snprintf(link, sizeof(link), "/proc/self/fd/%d", m->fd);
			l = readlink(link, path, sizeof(path) - 1);
			if (l > 0) {
				path[l] = 0;
				on_open(path);
			}
			if (write(fan, &r, sizeof(r)) != sizeof(r))
				return 1;
			close(m->fd);
		}
		reap();
	}
}
