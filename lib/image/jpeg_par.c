/*
 * A baseline JPEG on two threads, without decoding any Huffman data twice.
 *
 * The entropy-coded data is one sequential Huffman stream, so libjpeg can
 * only split a decode by rows if the second thread first reads (skips) all
 * the data above its band: at quality 90 the Huffman decoding is about 60%
 * of the work, which caps that split near 1.4x. Here the second thread
 * starts in the middle of the data instead, at a guessed bit position, with
 * a guessed state (the start of an MCU, DC predictors 0): Huffman codes
 * resynchronise within a few symbols, so after a short stretch of garbage
 * its MCU boundaries are the true ones, only numbered from its own start
 * and with every DC value off by a per-component constant (DC values are
 * coded as differences). The first thread decodes from the true start; each
 * time it begins an MCU past the guess it looks for a recorded MCU start of
 * the second thread at the same bit position. A match proves that from
 * there on both decode the same symbols (the decode is a function of the
 * bit position and the position in the MCU), and gives the true MCU number
 * and the DC corrections. The first thread finishes its MCU row and stops;
 * the second thread's MCUs from the next row on are used with their
 * numbers shifted and their DC values corrected when the output stage
 * (jpeg_dsp.c) reads them. Both threads then produce their rows' pixels.
 * If no match is found the first thread simply decodes everything (and the
 * output stage is still split); nothing is ever guessed into the result.
 *
 * The Huffman decoding follows libjpeg-turbo's jdhuff.c exactly: the same
 * table checks, coefficient positions past 63 landing on 63, DC values
 * stored as 16-bit. Anything else (an invalid code, data running out or
 * whole bytes left over before the marker, a marker other than EOI) makes
 * this decoder decline the file; libjpeg then decodes it and reports
 * exactly what it always does.
 */
#define _GNU_SOURCE
#include "jpeg_par.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jpeg_dsp.h"

#if defined(__x86_64__) && defined(__GNUC__)

/* The decoder runs only where jpeg.c saw AVX2 and BMI2. */
#define HOT __attribute__((target("avx2,bmi2")))
#define INL static inline __attribute__((always_inline)) HOT

#define LB 10           /* lookup bits */
#define PAD 2304u       /* zero bytes after the data: one MCU reads at most 6 blocks x 250 bytes past its start */
#define MAXB 6          /* blocks per MCU (4:2:0) */
#define SPIN_PAUSE 2000 /* polls of a waiting thread before it yields, */
#define SPIN_YIELD 1000 /* and yields before it sleeps on the condition variable */
#define SCRATCH_MAX ((size_t)48 << 20)
#define NO_START UINT64_MAX /* P->start before the second thread has chosen its first bit */

/* libjpeg's natural order with 16 extra entries: a run past 63 stores at 63 */
static const uint8_t natural[80] = {0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33,
                                    40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36,
                                    29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54,
                                    47, 55, 62, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63};

typedef struct htab {
    uint16_t sym[1 << LB]; /* (length << 8) | symbol; 0: the code is longer than LB */
    int32_t fast[1 << LB]; /* AC: value << 16 | run << 8 | bits (code + value); 0: not here */
    int32_t maxcode[18];   /* largest code of each length, -1 none (libjpeg's, [17] a sentinel) */
    int32_t valoff[18];
    uint8_t vals[256];
} htab;

/* libjpeg-turbo's jpeg_make_d_derived_tbl(), its checks included; -1 where
 * it would stop with JERR_BAD_HUFF_TABLE. */
static int build_table(htab *t, const uint8_t *bits, const uint8_t *vals, int is_dc)
{
    uint8_t size[257];
    uint32_t code[257];
    int p = 0;
    for (int l = 1; l <= 16; l++) {
        int n = bits[l];
        if (p + n > 256) return -1;
        while (n--) size[p++] = (uint8_t)l;
    }
    size[p] = 0;
    int nsym = p;
    uint32_t c = 0;
    int si = size[0];
    p = 0;
    while (size[p]) {
        while (size[p] == si) code[p++] = c++;
        if (c >= (1u << si)) return -1;
        c <<= 1;
        si++;
    }
    memcpy(t->vals, vals, 256);
    p = 0;
    for (int l = 1; l <= 16; l++) {
        if (bits[l]) {
            t->valoff[l] = p - (int32_t)code[p];
            p += bits[l];
            t->maxcode[l] = (int32_t)code[p - 1];
        } else
            t->maxcode[l] = -1;
    }
    t->valoff[17] = 0;
    t->maxcode[17] = 0xFFFFF;
    if (is_dc)
        for (int i = 0; i < nsym; i++)
            if (vals[i] > 15) return -1;
    memset(t->sym, 0, sizeof t->sym);
    memset(t->fast, 0, sizeof t->fast);
    for (int i = 0; i < nsym; i++) {
        int l = size[i];
        if (l > LB) continue;
        uint32_t first = code[i] << (LB - l), n = 1u << (LB - l);
        for (uint32_t k = 0; k < n; k++) t->sym[first + k] = (uint16_t)((l << 8) | vals[i]);
        if (is_dc) continue;
        int r = vals[i] >> 4, s = vals[i] & 15;
        if (!s || l + s > LB) continue;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t extra = (k >> (LB - l - s)) & ((1u << s) - 1);
            int32_t v = extra < (1u << (s - 1)) ? (int32_t)extra - (1 << s) + 1 : (int32_t)extra;
            t->fast[first + k] = (int32_t)((uint32_t)v << 16) | (r << 8) | (l + s);
        }
    }
    return 0;
}

/* ---- bit reader: `buf` holds `cnt` valid bits at the top, p the next byte to load ---- */

typedef struct bitrd {
    uint64_t buf;
    int cnt;
    const uint8_t *p;
} bitrd;

INL uint64_t load_be64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}

INL void refill(bitrd *b)
{
    b->buf |= load_be64(b->p) >> b->cnt;
    b->p += (63 - b->cnt) >> 3;
    b->cnt |= 56;
}

INL void consume(bitrd *b, int n)
{
    b->buf <<= n;
    b->cnt -= n;
}

INL int32_t extend(uint32_t r, int s) { return r < (1u << (s - 1)) ? (int32_t)r - (1 << s) + 1 : (int32_t)r; }

/* A code longer than LB bits (libjpeg's jpeg_huff_decode); -1: no such code. */
INL int slow_symbol(bitrd *b, const htab *t)
{
    for (int l = LB + 1; l <= 16; l++) {
        int32_t code = (int32_t)(b->buf >> (64 - l));
        if (code <= t->maxcode[l]) {
            consume(b, l);
            return t->vals[(code + t->valoff[l]) & 255];
        }
    }
    return -1;
}

INL uint64_t bit_pos(const bitrd *b, const uint8_t *base) { return (uint64_t)(b->p - base) * 8u - (uint64_t)b->cnt; }

INL void seek(bitrd *b, const uint8_t *base, uint64_t pos)
{
    b->p = base + (pos >> 3);
    b->buf = 0;
    b->cnt = 0;
    refill(b);
    consume(b, (int)(pos & 7));
}

/* One block into blk (zeroed here); -1 on an invalid code or a DC value
 * past what libjpeg-turbo accepts. */
INL int decode_block(bitrd *b, const htab *dc, const htab *ac, int32_t *pred, int16_t *blk)
{
    typedef int16_t v16 __attribute__((vector_size(32), aligned(2)));
    const v16 zero = {0};
    for (int i = 0; i < 4; i++) ((v16 *)blk)[i] = zero;
    refill(b);
    int s;
    uint32_t e = dc->sym[b->buf >> (64 - LB)];
    if (e) {
        consume(b, (int)(e >> 8));
        s = (int)(e & 0xff);
    } else if ((s = slow_symbol(b, dc)) < 0)
        return -1;
    if (s) {
        uint32_t r = (uint32_t)(b->buf >> (64 - s));
        consume(b, s);
        int32_t v = *pred + extend(r, s);
        if (v > (1 << 30) || v < -(1 << 30)) return -1;
        *pred = v;
    }
    blk[0] = (int16_t)*pred;
    for (int k = 1; k < 64;) {
        refill(b);
        uint32_t idx = (uint32_t)(b->buf >> (64 - LB));
        int32_t f = ac->fast[idx];
        if (f) {
            k += (f >> 8) & 15;
            blk[natural[k]] = (int16_t)(f >> 16);
            consume(b, f & 0xff);
            k++;
            continue;
        }
        int rs;
        e = ac->sym[idx];
        if (e) {
            consume(b, (int)(e >> 8));
            rs = (int)(e & 0xff);
        } else if ((rs = slow_symbol(b, ac)) < 0)
            return -1;
        int r = rs >> 4;
        s = rs & 15;
        if (s) {
            k += r;
            uint32_t v = (uint32_t)(b->buf >> (64 - s));
            consume(b, s);
            blk[natural[k]] = (int16_t)extend(v, s);
            k++;
        } else {
            if (r != 15) break;
            k += 16;
        }
    }
    return 0;
}

/* ---- the shared state of one decode ---- */

enum { SYNC_PENDING, SYNC_FOUND, SYNC_NONE, SYNC_ABORT };

typedef struct par {
    const jpar_hdr *h;
    uint8_t *data; /* destuffed entropy data + PAD zero bytes */
    uint64_t nbits;
    htab *tabs; /* per component: DC, AC */
    int bpm;    /* blocks per MCU */
    const htab *bdc[MAXB], *bac[MAXB];
    int bcomp[MAXB];
    uint32_t mcus_w, mcus_h, total, mh;
    size_t mcu_coefs; /* int16 per MCU */
    int16_t *main, *spec;
    uint8_t *pixels;
    size_t stride;
    /* the second thread's record: MCU j began at bit spos[j] with DC predictors spred[j] */
    _Atomic uint64_t start;    /* its first bit (set when it starts; NO_START before) */
    _Atomic uint64_t progress; /* the first thread's bit position, updated per MCU */
    uint64_t *spos;
    int32_t (*spred)[3];
    uint32_t cap;
    atomic_uint sdone;       /* MCUs recorded (release) */
    atomic_int sended;       /* the second thread stopped decoding */
    atomic_uint chain_start; /* records before this one end in an invalid code */
    uint32_t js;             /* the record the first thread met */
    uint64_t send_pos;       /* its bit position then */
    /* the first thread's verdict */
    atomic_int sync;  /* SYNC_* (release) */
    uint32_t off;     /* true MCU number = slot + off */
    uint32_t r_split; /* MCU rows below this are the first thread's */
    int32_t delta[3];
    atomic_int bad;   /* a thread failed: decline the file */
    atomic_int ready; /* the first thread has prepared the data */
    void *scratch;
    const int16_t **rows; /* the output stage's view */
    jdsp_frame frame;
    _Atomic uint64_t span; /* chunks [low half, high half) not yet rendered */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int sleepers;
} par;

static void wake(par *P)
{
    pthread_mutex_lock(&P->mu);
    if (P->sleepers) pthread_cond_broadcast(&P->cv);
    pthread_mutex_unlock(&P->mu);
}

/* Waits until pred(P) holds: polls (the other thread usually gets there
 * within tens of microseconds, less than a sleep and wake-up cost),
 * yielding the CPU after the first polls in case both threads share one on
 * a busy machine, then sleeps on the condition variable. */
static void wait_until(par *P, int (*pred)(par *, uint32_t), uint32_t arg)
{
    for (int i = 0; i < SPIN_PAUSE + SPIN_YIELD; i++) {
        if (pred(P, arg)) return;
        if (i < SPIN_PAUSE)
            __builtin_ia32_pause();
        else
            sched_yield();
    }
    pthread_mutex_lock(&P->mu);
    P->sleepers++;
    while (!pred(P, arg)) pthread_cond_wait(&P->cv, &P->mu);
    P->sleepers--;
    pthread_mutex_unlock(&P->mu);
}

static int sync_known(par *P, uint32_t arg)
{
    (void)arg;
    return atomic_load_explicit(&P->sync, memory_order_acquire) != SYNC_PENDING;
}

static int spec_has(par *P, uint32_t n)
{
    return atomic_load_explicit(&P->sdone, memory_order_acquire) >= n ||
           atomic_load_explicit(&P->sended, memory_order_acquire) != 0;
}

INL int decode_mcu(const par *P, bitrd *b, int32_t pred[3], int16_t *out)
{
    for (int k = 0; k < P->bpm; k++)
        if (decode_block(b, P->bdc[k], P->bac[k], &pred[P->bcomp[k]], out + (size_t)k * 64)) return -1;
    return 0;
}

/* How a stream that ended at bit `pos` ends: libjpeg would need no bit past
 * the data and leave no whole byte unread (it would warn of either). */
static int clean_end(const par *P, uint64_t pos) { return pos <= P->nbits && P->nbits - pos < 8; }

/* The second thread's Huffman part: records MCUs until the first thread's
 * verdict says it has all it needs, or the data or the record runs out.
 * An invalid code before the meeting point is only garbage: it restarts
 * just past it, and the records before (chain_start) can no longer be met
 * (if the true stream ran through them it holds that invalid code, and the
 * first thread finds it). send_pos is the bit where the MCU after the last
 * recorded one begins (or would). */
HOT static void spec_decode(par *P)
{
    bitrd b;
    /* Half way through what the first thread has left: a late start (a
     * slow thread wake-up) costs balance, not the meeting. */
    uint64_t p1 = atomic_load_explicit(&P->progress, memory_order_relaxed);
    uint64_t pos = p1 >= P->nbits ? P->nbits : (p1 + (P->nbits - p1) / 2) & ~(uint64_t)7;
    if (P->nbits - pos < 8u * 256u) pos = P->nbits; /* too little left to share */
    atomic_store_explicit(&P->start, pos, memory_order_release);
    seek(&b, P->data, pos);
    int32_t pred[3] = {0, 0, 0};
    uint32_t j = 0;
    for (;;) {
        int s = atomic_load_explicit(&P->sync, memory_order_acquire);
        if (s == SYNC_NONE || s == SYNC_ABORT) break;
        if (s == SYNC_FOUND && j + P->off >= P->total) break;
        if (pos >= P->nbits || j >= P->cap) break;
        P->spos[j] = pos;
        memcpy(P->spred[j], pred, sizeof pred);
        if (decode_mcu(P, &b, pred, P->spec + (size_t)j * P->mcu_coefs)) {
            /* In the last byte this is the padding after the true last MCU
             * (whose end, pos, the first thread's verdict may still need). */
            uint64_t next = bit_pos(&b, P->data) + 1;
            if (pos + 8 > P->nbits || next >= P->nbits) break;
            pos = next;
            seek(&b, P->data, pos);
            pred[0] = pred[1] = pred[2] = 0;
            atomic_store_explicit(&P->chain_start, j, memory_order_release);
            continue;
        }
        pos = bit_pos(&b, P->data);
        atomic_store_explicit(&P->sdone, ++j, memory_order_release);
    }
    P->send_pos = pos;
    atomic_store_explicit(&P->sended, 1, memory_order_release);
    wake(P);
}

static int make_frame(par *P, int found);

/* The first thread's Huffman part: from the start until it meets the
 * second thread's record (then to the end of that MCU row), or to the end. */
HOT static int main_decode(par *P)
{
    bitrd b;
    seek(&b, P->data, 0);
    int32_t pred[3] = {0, 0, 0};
    uint32_t js = 0, stop = P->total;
    int found = 0;
    for (uint32_t i = 0; i < stop; i++) {
        uint64_t pos = bit_pos(&b, P->data);
        atomic_store_explicit(&P->progress, pos, memory_order_relaxed);
        if (!found && pos >= atomic_load_explicit(&P->start, memory_order_relaxed)) {
            uint32_t n = atomic_load_explicit(&P->sdone, memory_order_acquire);
            while (js < n && P->spos[js] < pos) js++;
            if (js < n && P->spos[js] == pos && js >= atomic_load_explicit(&P->chain_start, memory_order_acquire)) {
                found = 1;
                stop = (i + P->mcus_w - 1) / P->mcus_w * P->mcus_w;
                P->off = i - js;
                P->js = js;
                P->r_split = stop / P->mcus_w;
                for (int c = 0; c < 3; c++) P->delta[c] = pred[c] - P->spred[js][c];
                if (i >= stop) break;
            }
        }
        if (pos > P->nbits || decode_mcu(P, &b, pred, P->main + (size_t)i * P->mcu_coefs)) return -1;
    }
    if (!found) {
        if (!clean_end(P, bit_pos(&b, P->data))) return -1;
        P->r_split = (P->mcus_h + 1) / 2;
    }
    if (make_frame(P, found)) return -1;
    /* published once every row above the split is decoded: the second
     * thread's first row upsamples with the last of them */
    atomic_store_explicit(&P->sync, found ? SYNC_FOUND : SYNC_NONE, memory_order_release);
    wake(P);
    return 0;
}

/* ---- the output stage, in chunks of RCH MCU rows taken from both ends:
 * the first thread from the top, the second from the bottom, so neither
 * waits for the other (a second thread that starts late renders less). ---- */
#define RCH 4u

/* The frame the output stage reads, set by the first thread before it
 * publishes its verdict (read-only afterwards). */
static int make_frame(par *P, int found)
{
    const jpar_hdr *h = P->h;
    P->rows = malloc(P->mcus_h * sizeof *P->rows);
    if (!P->rows) return -1;
    for (uint32_t r = 0; r < P->mcus_h; r++) {
        size_t m = (size_t)r * P->mcus_w;
        P->rows[r] = found && r >= P->r_split ? P->spec + (m - P->off) * P->mcu_coefs : P->main + m * P->mcu_coefs;
    }
    jdsp_frame *f = &P->frame;
    memset(f, 0, sizeof *f);
    f->width = h->width;
    f->height = h->height;
    f->ncomp = h->ncomp;
    for (int c = 0; c < h->ncomp; c++) {
        f->h[c] = h->h[c];
        f->v[c] = h->v[c];
        f->q[c] = h->q[c];
        f->dc_delta[c] = found ? P->delta[c] : 0;
    }
    f->delta_row = found ? P->r_split : P->mcus_h;
    f->mcus_w = P->mcus_w;
    f->mcus_h = P->mcus_h;
    f->blocks_per_mcu = P->bpm;
    f->mcu_row = P->rows;
    f->channels = h->channels;
    uint32_t chunks = (P->mcus_h + RCH - 1) / RCH;
    atomic_init(&P->span, (uint64_t)chunks << 32);
    return 0;
}

static int claim(par *P, int top, uint32_t *c)
{
    uint64_t v = atomic_load_explicit(&P->span, memory_order_relaxed);
    for (;;) {
        uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);
        if (lo >= hi) return 0;
        uint64_t nv = top ? ((uint64_t)hi << 32) | (lo + 1) : ((uint64_t)(hi - 1) << 32) | lo;
        if (atomic_compare_exchange_weak_explicit(&P->span, &v, nv, memory_order_relaxed, memory_order_relaxed)) {
            *c = top ? lo : hi - 1;
            return 1;
        }
    }
}

/* Renders chunks until none is left or something failed; 0 or -1. */
static int render_chunks(par *P, int top)
{
    uint32_t c;
    int found = atomic_load_explicit(&P->sync, memory_order_acquire) == SYNC_FOUND;
    while (!atomic_load_explicit(&P->bad, memory_order_relaxed) && claim(P, top, &c)) {
        uint32_t r0 = c * RCH, r1 = r0 + RCH;
        if (r1 > P->mcus_h) r1 = P->mcus_h;
        /* rows of the second thread's record (and the context row below)
         * must be decoded: only the first thread can get ahead of it */
        uint32_t last = r1 < P->mcus_h ? r1 : r1 - 1;
        if (found && last >= P->r_split) {
            uint32_t need = (last + 1) * P->mcus_w - P->off;
            wait_until(P, spec_has, need);
            if (atomic_load_explicit(&P->sdone, memory_order_acquire) < need) return -1;
        }
        uint32_t y0 = r0 * P->mh, y1 = r1 * P->mh;
        if (y1 > P->h->height) y1 = P->h->height;
        if (mirs__jdsp_render(&P->frame, y0, y1, P->pixels + (size_t)y0 * P->stride, P->stride)) return -1;
    }
    return 0;
}

static int is_ready(par *P, uint32_t arg)
{
    (void)arg;
    return atomic_load_explicit(&P->ready, memory_order_acquire);
}

static void second_thread(par *P)
{
    wait_until(P, is_ready, 0);
    if (atomic_load_explicit(&P->sync, memory_order_acquire) == SYNC_ABORT) return;
    spec_decode(P);
    wait_until(P, sync_known, 0);
    int s = atomic_load_explicit(&P->sync, memory_order_acquire);
    if (s == SYNC_ABORT) return;
    if (s == SYNC_FOUND) {
        /* every MCU below the first thread's rows decoded here, with no
         * invalid code after the meeting point, and the stream ending
         * cleanly right after the last one */
        uint32_t jend = P->total - P->off, n = atomic_load_explicit(&P->sdone, memory_order_acquire);
        if (n < jend || atomic_load_explicit(&P->chain_start, memory_order_acquire) > P->js ||
            !clean_end(P, jend < n ? P->spos[jend] : P->send_pos)) {
            atomic_store_explicit(&P->bad, 1, memory_order_relaxed);
            return;
        }
    }
    if (render_chunks(P, 0)) atomic_store_explicit(&P->bad, 1, memory_order_relaxed);
}

/* ---- the second thread ----
 *
 * One worker thread is kept for the process, asleep on a condition
 * variable between decodes: waking it takes 25-85 us on the 2-vCPU VM this
 * was measured on, where pthread_create() took 55-100 us and, one time in
 * five or so, 1.3-3 ms (the new thread waits for a CPU). A decode that
 * finds the worker busy (another thread is decoding) starts a thread of
 * its own. After fork() the child starts a new worker when it needs one.
 * The library is linked with -z nodelete, so it is never unloaded under
 * the sleeping worker. */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    int running; /* the worker exists (in this process) */
    int busy;    /* a decode owns it */
    par *job;    /* its current job, NULL when done */
} W = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, NULL};

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void fork_prepare(void) { pthread_mutex_lock(&W.mu); }
static void fork_parent(void) { pthread_mutex_unlock(&W.mu); }
static void fork_child(void)
{
    pthread_mutex_init(&W.mu, NULL);
    pthread_cond_init(&W.wake, NULL);
    pthread_cond_init(&W.done, NULL);
    W.running = W.busy = 0;
    W.job = NULL;
}

static void register_atfork(void) { pthread_atfork(fork_prepare, fork_parent, fork_child); }

static void *worker_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&W.mu);
    for (;;) {
        while (!W.job) pthread_cond_wait(&W.wake, &W.mu);
        par *P = W.job;
        pthread_mutex_unlock(&W.mu);
        second_thread(P);
        pthread_mutex_lock(&W.mu);
        W.job = NULL;
        pthread_cond_broadcast(&W.done);
    }
    return NULL;
}

/* Hands P to the worker: 1, or 0 when it is busy or cannot be started. */
static int worker_start(par *P)
{
    pthread_once(&atfork_once, register_atfork);
    pthread_mutex_lock(&W.mu);
    if (W.busy) {
        pthread_mutex_unlock(&W.mu);
        return 0;
    }
    if (!W.running) {
        pthread_attr_t a;
        pthread_t t;
        /* the worker takes no signals: they stay with the host's threads */
        sigset_t all, old;
        sigfillset(&all);
        int ok = pthread_attr_init(&a) == 0;
        if (ok) {
            pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
            pthread_sigmask(SIG_SETMASK, &all, &old);
            ok = pthread_create(&t, &a, worker_main, NULL) == 0;
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            pthread_attr_destroy(&a);
        }
        if (!ok) {
            pthread_mutex_unlock(&W.mu);
            return 0;
        }
        W.running = 1;
    }
    W.busy = 1;
    W.job = P;
    pthread_cond_signal(&W.wake);
    pthread_mutex_unlock(&W.mu);
    return 1;
}

/* Waits until the worker has finished P and releases it. */
static void worker_finish(void)
{
    pthread_mutex_lock(&W.mu);
    while (W.job) pthread_cond_wait(&W.done, &W.mu);
    W.busy = 0;
    pthread_mutex_unlock(&W.mu);
}

static void *transient_thread(void *arg)
{
    second_thread(arg);
    return NULL;
}

/* ---- scratch memory kept between decodes ----
 *
 * A decode needs a few MB of coefficient buffers. Fresh pages cost a page
 * fault each on first touch (measured on a 2-vCPU VM: 2.2 ms to touch 3 MB
 * of new memory against 0.25 ms for memory already mapped, as much as the
 * whole decode), and malloc returns big blocks to the kernel on free, so
 * one block is kept for the next decode: taken with an atomic exchange
 * (a decode running at the same time simply allocates its own), given back
 * if the slot is empty, freed otherwise. The memory stays allocated until
 * the process ends. A decode never needs more than SCRATCH_MAX (it
 * declines bigger files), so nothing bigger is ever kept. */

static _Atomic(void *) kept;

typedef struct scratch_head {
    size_t size;
    max_align_t align;
} scratch_head;

static void *scratch_get(size_t n)
{
    scratch_head *p = atomic_exchange(&kept, NULL);
    if (p && p->size >= n) return p + 1;
    free(p);
    if (n > SIZE_MAX - sizeof *p || !(p = malloc(sizeof *p + n))) return NULL;
    p->size = n;
    return p + 1;
}

static void scratch_put(void *mem)
{
    if (!mem) return;
    scratch_head *p = (scratch_head *)mem - 1;
    void *none = NULL;
    if (!atomic_compare_exchange_strong(&kept, &none, p)) free(p);
}

static size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }

int mirs__jpeg_par_supported(void) { return __builtin_cpu_supports("bmi2") && mirs__jdsp_have_avx2(); }

/* Geometry, scratch, tables and the destuffed data; -1 declines. */
static int prepare(par *P)
{
    const jpar_hdr *h = P->h;
    int hmax = 1, vmax = 1;
    for (int c = 0; c < h->ncomp; c++) {
        if (h->h[c] > hmax) hmax = h->h[c];
        if (h->v[c] > vmax) vmax = h->v[c];
    }
    P->mh = 8u * (uint32_t)vmax;
    uint32_t mw = 8u * (uint32_t)hmax;
    P->mcus_w = (h->width + mw - 1) / mw;
    P->mcus_h = (h->height + P->mh - 1) / P->mh;
    P->total = P->mcus_w * P->mcus_h;
    for (int c = 0; c < h->ncomp; c++)
        for (int k = 0; k < h->h[c] * h->v[c]; k++) P->bcomp[P->bpm++] = c;
    P->mcu_coefs = (size_t)P->bpm * 64;
    /* One scratch block: tables, destuffed data, both coefficient buffers
     * (the second thread's holds the MCUs from its start to the end plus
     * its first stretch: 3/4 of the image is plenty; if it runs out it
     * stops and the first thread decodes on), its MCU record. Sizes are
     * bounded by the image limits checked before. */
    size_t coefs = (size_t)P->total * P->mcu_coefs;
    P->cap = P->total - P->total / 4 + 64;
    if (P->cap > P->total) P->cap = P->total;
    size_t o_tabs = 0, o_data = align64(sizeof(htab) * 2 * (size_t)h->ncomp),
           o_main = o_data + align64(h->scan_len + PAD), o_spec = o_main + align64(coefs * sizeof(int16_t)),
           o_spos = o_spec + align64((size_t)P->cap * P->mcu_coefs * sizeof(int16_t)),
           o_spred = o_spos + align64((size_t)P->cap * sizeof *P->spos),
           o_end = o_spred + align64((size_t)P->cap * sizeof *P->spred);
    if (o_end > SCRATCH_MAX) return -1; /* a big image: the bands need far less memory */
    uint8_t *mem = scratch_get(o_end);
    if (!mem) return -1;
    P->scratch = mem;
    P->tabs = (htab *)(void *)(mem + o_tabs);
    P->data = mem + o_data;
    P->main = (int16_t *)(void *)(mem + o_main);
    P->spec = (int16_t *)(void *)(mem + o_spec);
    P->spos = (uint64_t *)(void *)(mem + o_spos);
    P->spred = (int32_t(*)[3])(void *)(mem + o_spred);
    for (int c = 0; c < h->ncomp; c++)
        if (build_table(&P->tabs[2 * c], h->dc_bits[c], h->dc_vals[c], 1) ||
            build_table(&P->tabs[2 * c + 1], h->ac_bits[c], h->ac_vals[c], 0))
            return -1;
    for (int k = 0; k < P->bpm; k++) {
        P->bdc[k] = &P->tabs[2 * P->bcomp[k]];
        P->bac[k] = &P->tabs[2 * P->bcomp[k] + 1];
    }

    /* Destuff: FF 00 is a data byte FF; FF (FF)* D9 is the end. Anything
     * else declines: another marker (RSTn without a restart interval, DNL)
     * makes libjpeg warn, and FF FF+ 00, which its careful reader takes as
     * one FF, makes its fast reader give up on that MCU after writing some
     * coefficients, which the careful reader then does not all overwrite
     * (libjpeg-turbo 2.1 decode_mcu(): the blocks are not zeroed again). */
    const uint8_t *s = h->scan, *end = h->scan + h->scan_len;
    uint8_t *d = P->data;
    for (;;) {
        const uint8_t *ff = memchr(s, 0xFF, (size_t)(end - s));
        if (!ff) return -1; /* no EOI: truncated */
        memcpy(d, s, (size_t)(ff - s));
        d += ff - s;
        s = ff + 1;
        if (s < end && *s == 0) {
            *d++ = 0xFF;
            s++;
            continue;
        }
        while (s < end && *s == 0xFF) s++;
        if (s == end || *s != 0xD9) return -1;
        break;
    }
    size_t n = (size_t)(d - P->data);
    memset(d, 0, PAD);
    P->nbits = (uint64_t)n * 8u;
    return 0;
}

int mirs__jpeg_par_decode(const jpar_hdr *h, uint8_t *pixels, size_t stride)
{
    par *P = calloc(1, sizeof *P);
    if (!P) return 1;
    P->h = h;
    P->pixels = pixels;
    P->stride = stride;
    atomic_init(&P->ready, 0);
    atomic_init(&P->start, NO_START);
    atomic_init(&P->progress, 0);
    atomic_init(&P->sdone, 0);
    atomic_init(&P->sended, 0);
    atomic_init(&P->chain_start, 0);
    atomic_init(&P->bad, 0);
    atomic_init(&P->span, 0);
    atomic_init(&P->sync, SYNC_PENDING);
    pthread_mutex_init(&P->mu, NULL);
    pthread_cond_init(&P->cv, NULL);
    /* The second thread first, so that its wake-up overlaps the preparation. */
    pthread_t tid;
    memset(&tid, 0, sizeof tid);
    int pooled = worker_start(P);
    int ret = 1;
    if (!pooled && pthread_create(&tid, NULL, transient_thread, P) != 0) goto out;
    if (prepare(P)) {
        atomic_store_explicit(&P->sync, SYNC_ABORT, memory_order_release);
        atomic_store_explicit(&P->bad, 1, memory_order_relaxed);
    }
    atomic_store_explicit(&P->ready, 1, memory_order_release);
    wake(P);
    if (!atomic_load_explicit(&P->bad, memory_order_relaxed)) {
        if (main_decode(P)) {
            atomic_store_explicit(&P->sync, SYNC_ABORT, memory_order_release);
            wake(P);
            atomic_store_explicit(&P->bad, 1, memory_order_relaxed);
        } else if (render_chunks(P, 1))
            atomic_store_explicit(&P->bad, 1, memory_order_relaxed);
    }
    if (pooled)
        worker_finish();
    else
        pthread_join(tid, NULL);
    ret = atomic_load(&P->bad) ? 1 : 0;
out:
    pthread_mutex_destroy(&P->mu);
    pthread_cond_destroy(&P->cv);
    scratch_put(P->scratch);
    free(P->rows);
    free(P);
    return ret;
}

#else /* not x86-64: libjpeg decodes */

int mirs__jpeg_par_supported(void) { return 0; }

int mirs__jpeg_par_decode(const jpar_hdr *h, uint8_t *pixels, size_t stride)
{
    (void)h;
    (void)pixels;
    (void)stride;
    return 1;
}

#endif
