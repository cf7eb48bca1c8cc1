/* kill -9 at random moments while a child appends to a store: every record
 * the child saw completed must be intact, at most the record in flight may
 * be torn, and the next writer resumes after cutting the torn tail. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report/internal.h"

#include <mirsafety/mirsafety.h>
#include "../testutil.h"

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Response length of record n: mostly small, sometimes large enough that a
 * kill can land in the middle of its write(). */
static size_t resp_len(uint64_t n)
{
    uint64_t h = mix(n);
    return (h & 15) == 0 ? 400000 + (size_t)(h >> 40) % 200000 : (size_t)(h >> 20) % 20000;
}

static char resp_char(uint64_t n) { return (char)('a' + n % 26); }

static void child(const char *path, int fd, int durability)
{
    mirs_store_options o = MIRS_STORE_OPTIONS_INIT;
    o.torn = MIRS_TORN_TRUNCATE;
    o.durability = durability;
    o.fsync_every = 8;
    mirs_store *s = NULL;
    uint64_t fail = UINT64_MAX;
    if (mirs_store_open(path, &o, &s) != MIRS_OK) {
        fprintf(stderr, "child: open failed: %s\n", mirs_error_last());
        if (write(fd, &fail, sizeof fail)) {
        }
        _exit(1);
    }
    uint64_t opened = UINT64_MAX - 1;
    if (write(fd, &opened, sizeof opened)) {
    }
    char *buf = malloc(600001);
    char key[64];
    for (uint64_t n = mirs_store_record_count(s);; n++) {
        size_t len = resp_len(n);
        memset(buf, resp_char(n), len);
        buf[len] = 0;
        snprintf(key, sizeof key, "Violence/Analogy/%llu", (unsigned long long)n);
        mirs_record r = MIRS_RECORD_INIT;
        r.key = key;
        r.model = "m";
        r.judge = "j";
        r.verdict = n % 3 ? MIRS_VERDICT_SAFE : MIRS_VERDICT_UNSAFE;
        r.response = buf;
        r.timestamp_ms = (int64_t)n + 1;
        if (mirs_store_append(s, &r) != MIRS_OK) {
            if (write(fd, &fail, sizeof fail)) {
            }
            _exit(1);
        }
        if (write(fd, &n, sizeof n) != sizeof n) _exit(1);
    }
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 120;
    char dir[256];
    snprintf(dir, sizeof dir, "%s/mirs-kill-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) return 1;
    char path[300];
    snprintf(path, sizeof path, "%s/store.jsonl", dir);
    uint64_t seed = (uint64_t)time(NULL);
    printf("seed %llu\n", (unsigned long long)seed);
    int torn_seen = 0, with_records = 0;
    for (int round = 0; round < rounds; round++) {
        if (round % 6 == 0) unlink(path); /* keep the file small */
        int p[2];
        if (pipe(p) != 0) return 1;
        int durability = round % 10 == 9 ? MIRS_DURABLE_FSYNC_EVERY : MIRS_DURABLE_FLUSH;
        pid_t pid = fork();
        if (pid == 0) {
            close(p[0]);
            child(path, p[1], durability);
        }
        close(p[1]);
        uint64_t r = mix(seed + (uint64_t)round);
        /* Mostly wait until the child has opened (and repaired) the store,
         * sometimes kill it while it is still opening. */
        uint64_t n, last = UINT64_MAX;
        bool child_failed = false;
        if (r % 8 != 0) {
            if (read(p[0], &n, sizeof n) != sizeof n || n != UINT64_MAX - 1) child_failed = true;
        }
        /* A quarter of the rounds wait for a first completed record too, so a
         * slow build (ThreadSanitizer's runtime in the child) still kills
         * writers mid-stream rather than only while they open. */
        if (r % 4 == 1 && !child_failed) {
            if (read(p[0], &n, sizeof n) != sizeof n || n == UINT64_MAX)
                child_failed = true;
            else
                last = n;
        }
        struct timespec ts = {0, (long)(r % 12000000)}; /* up to 12 ms */
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        /* The last record the child saw completed. */
        while (read(p[0], &n, sizeof n) == sizeof n) {
            if (n == UINT64_MAX - 1) continue;
            if (n == UINT64_MAX) child_failed = true;
            last = n;
        }
        close(p[0]);
        CHECK(!child_failed);
        if (child_failed) break;
        mirs_records *rs = NULL;
        int st = mirs_records_read(path, NULL, &rs);
        /* Killed before it created a fresh store: nothing to check. */
        if (st == MIRS_E_NOT_FOUND && last == UINT64_MAX) continue;
        CHECK_OK(st);
        if (st) break;
        size_t count = mirs_records_count(rs);
        if (mirs_records_torn_bytes(rs)) torn_seen++;
        if (last != UINT64_MAX) with_records++;
        if (getenv("KILL_DEBUG"))
            printf("round %d: last %lld count %zu torn %llu\n", round, (long long)last, count,
                   (unsigned long long)mirs_records_torn_bytes(rs));
        /* Every completed record is there, and nothing beyond the one in flight. */
        CHECK(last == UINT64_MAX || count >= last + 1);
        CHECK(last == UINT64_MAX || count <= last + 2);
        size_t bad = 0;
        for (size_t i = 0; i < count; i++) {
            const mirs_record *rec = mirs_records_get(rs, i);
            char key[64];
            snprintf(key, sizeof key, "Violence/Analogy/%zu", i);
            size_t len = resp_len(i);
            bool ok = strcmp(rec->key, key) == 0 && rec->response && strlen(rec->response) == len &&
                      rec->timestamp_ms == (int64_t)i + 1 &&
                      rec->verdict == (i % 3 ? MIRS_VERDICT_SAFE : MIRS_VERDICT_UNSAFE);
            for (size_t k = 0; ok && k < len; k += 997) ok = rec->response[k] == resp_char(i);
            if (!ok) bad++;
        }
        CHECK_EQ_INT(bad, 0);
        mirs_records_free(rs);
    }
    /* The last writer's tail is repaired by a final open (which creates the
     * store if the last child was killed before it could). */
    mirs_store_options o = MIRS_STORE_OPTIONS_INIT;
    o.torn = MIRS_TORN_TRUNCATE;
    mirs_store *s = NULL;
    CHECK_OK(mirs_store_open(path, &o, &s));
    CHECK_OK(mirs_store_close(s));
    mirs_records *rs = NULL;
    CHECK_OK(mirs_records_read(path, NULL, &rs));
    CHECK_EQ_INT(mirs_records_torn_bytes(rs), 0);
    mirs_records_free(rs);
    printf("%d rounds: %d with completed records, %d left a torn tail\n", rounds, with_records, torn_seen);
    CHECK(with_records > rounds / 4); /* the test did exercise writes */
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) {
    }
    return test_summary("store-kill");
}
