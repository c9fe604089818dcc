/*
 * portolan_scan: non-blocking TCP connect() probes driven by epoll on a thread of their
 * own, for the connect scanner (electron/engine/scan/native.ts; docs/scanner.md).
 *
 * Why it exists: a net.Socket per probe spends most of a loopback sweep in libuv handle
 * setup/teardown and in building an Error per refused connect. Here a probe is a
 * socket(), a connect(), one epoll event, a getsockopt(SO_ERROR) and a close().
 *
 * Threading: JS calls submit() with a batch of probes (a copy is queued under a mutex
 * and the worker woken through an eventfd); the worker thread starts them (never more
 * than max_inflight at once), waits on epoll, expires timeouts from a min-heap, and
 * appends results to an outbox. One napi_threadsafe_function call drains the outbox
 * into a single ArrayBuffer; while JS is busy, results pile up and go over together.
 * The event loop never blocks on the network: submit() and cancel() only take the
 * mutex; close() joins the worker, which exits at once.
 *
 * This file decides nothing about port states: it reports the raw outcome (connected,
 * an errno, a timeout, a self-connect) and JS maps it (probe.ts, attemptOfErrno), so the
 * states table lives in one place for both engines.
 *
 * Linux only (epoll, eventfd); elsewhere the engine uses the JS path.
 */
#define _GNU_SOURCE
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Outcome codes besides errno values (which are > 0) and 0 (connected). */
#define ST_OPEN 0
#define ST_TIMEOUT (-1)
#define ST_SELF (-2)
#define ST_CANCELLED (-3)

/* One probe as JS writes it: 8 native-endian uint32 words (32 bytes); the address is raw bytes at offset 12. */
typedef struct {
  uint32_t id;
  uint32_t port_family; /* port | family << 16 (family 4 or 6): one word, so endianness never matters */
  uint32_t timeout_ms;
  uint8_t addr[16]; /* IPv4 in the first 4 bytes */
  uint32_t pad1;
} probe_in_t;

/* One result as JS reads it: 8 native-endian 32-bit words (32 bytes). */
typedef struct {
  uint32_t id;
  int32_t status; /* ST_* or an errno */
  uint32_t rtt_us;
  uint8_t local_family; /* 4 or 6 when `local` holds the source address (connected), else 0 */
  uint8_t pad[3];
  uint8_t local[16];
} result_t;

_Static_assert(sizeof(probe_in_t) == 32, "probe record is 32 bytes");
_Static_assert(sizeof(result_t) == 32, "result record is 32 bytes");

static inline uint16_t port_of(const probe_in_t *p) { return (uint16_t)(p->port_family & 0xffff); }
static inline int family_of(const probe_in_t *p) { return (int)(p->port_family >> 16); }

typedef struct {
  int fd; /* -1 when free */
  uint32_t gen;
  uint64_t t0_ns;
  probe_in_t p;
} slot_t;

typedef struct {
  uint64_t deadline_ns;
  uint32_t slot;
  uint32_t gen;
} timer_t_;

struct engine;

/* Refused sockets kept per family and thread for reuse (they count as open descriptors). */
#define SPARE_MAX 8

/* One worker thread with its own epoll set, inbox, sockets and timeouts. */
typedef struct shard {
  struct engine *eng;
  int epfd;
  int evfd;
  pthread_t thread;
  int thread_started;
  pthread_mutex_t mu;
  /* Guarded by mu. */
  probe_in_t *in;
  size_t in_head, in_len, in_cap;
  int stopping;
  int cancel_req;
  /* Owned by the shard's thread. */
  slot_t *slots;
  uint32_t nslots;
  uint32_t *free_list;
  uint32_t nfree;
  timer_t_ *heap;
  size_t heap_len, heap_cap;
  result_t *local_out;
  size_t local_len, local_cap;
  /* Sockets whose connect() was refused at once, kept for the next probe ([0] IPv4, [1] IPv6). */
  int spare[2][SPARE_MAX];
  int nspare[2];
} shard_t;

typedef struct engine {
  pthread_mutex_t mu;
  /* Guarded by mu: results waiting for the JS thread. */
  result_t *out;
  size_t out_len, out_cap;
  int call_pending;
  shard_t *shards;
  uint32_t nshards;
  /* Main-thread-owned. */
  uint32_t next_shard;
  napi_threadsafe_function tsfn;
  int closed;
  int refs; /* the handle and the threadsafe function each hold one; freed at zero */
} engine_t;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int grow(void **buf, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t n = *cap ? *cap : 256;
  while (n < need) n *= 2;
  void *p = realloc(*buf, n * elem);
  if (!p) return -1;
  *buf = p;
  *cap = n;
  return 0;
}

/* ---- timeouts: a binary min-heap with lazy deletion (entries whose gen is stale) ---- */

static void heap_push(shard_t *e, uint64_t deadline, uint32_t slot, uint32_t gen) {
  if (grow((void **)&e->heap, &e->heap_cap, e->heap_len + 1, sizeof(timer_t_))) abort();
  size_t i = e->heap_len++;
  timer_t_ t = {deadline, slot, gen};
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (e->heap[parent].deadline_ns <= deadline) break;
    e->heap[i] = e->heap[parent];
    i = parent;
  }
  e->heap[i] = t;
}

static void heap_pop(shard_t *e) {
  timer_t_ last = e->heap[--e->heap_len];
  size_t i = 0, n = e->heap_len;
  if (!n) return;
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    uint64_t md = last.deadline_ns;
    if (l < n && e->heap[l].deadline_ns < md) m = l, md = e->heap[l].deadline_ns;
    if (r < n && e->heap[r].deadline_ns < md) m = r;
    if (m == i) break;
    e->heap[i] = e->heap[m];
    i = m;
  }
  e->heap[i] = last;
}

/* ---- results ---- */

static void emit(shard_t *e, uint32_t id, int32_t status, uint64_t t0) {
  if (grow((void **)&e->local_out, &e->local_cap, e->local_len + 1, sizeof(result_t))) abort();
  result_t *r = &e->local_out[e->local_len++];
  memset(r, 0, sizeof(*r));
  r->id = id;
  r->status = status;
  uint64_t d = t0 ? (now_ns() - t0) / 1000 : 0;
  r->rtt_us = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

/* Hands this iteration's results to JS: one threadsafe call at a time, the rest queue. */
static void publish(shard_t *sh) {
  if (!sh->local_len) return;
  engine_t *e = sh->eng;
  int call = 0;
  pthread_mutex_lock(&e->mu);
  if (grow((void **)&e->out, &e->out_cap, e->out_len + sh->local_len, sizeof(result_t))) abort();
  memcpy(e->out + e->out_len, sh->local_out, sh->local_len * sizeof(result_t));
  e->out_len += sh->local_len;
  if (!e->call_pending) call = e->call_pending = 1;
  pthread_mutex_unlock(&e->mu);
  sh->local_len = 0;
  if (call) napi_call_threadsafe_function(e->tsfn, NULL, napi_tsfn_nonblocking);
}

/* ---- probes ---- */

static socklen_t fill_sockaddr(const probe_in_t *p, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof(*ss));
  if (family_of(p) == 6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port_of(p));
    memcpy(&s6->sin6_addr, p->addr, 16);
    return sizeof(*s6);
  }
  struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
  s4->sin_family = AF_INET;
  s4->sin_port = htons(port_of(p));
  memcpy(&s4->sin_addr, p->addr, 4);
  return sizeof(*s4);
}

static void release_slot(shard_t *e, uint32_t i) {
  e->slots[i].fd = -1;
  e->slots[i].gen++;
  e->free_list[e->nfree++] = i;
}

/*
 * The handshake completed. On loopback the kernel may have picked the destination port
 * as the source port: the socket then connected to itself (simultaneous open), which
 * proves nothing about the port, so it is reported as ST_SELF, never open.
 */
static void on_connected(shard_t *e, slot_t *s) {
  struct sockaddr_storage local;
  socklen_t len = sizeof(local);
  int32_t status = ST_OPEN;
  uint8_t fam = 0;
  uint8_t addr[16] = {0};
  if (getsockname(s->fd, (struct sockaddr *)&local, &len) == 0) {
    if (local.ss_family == AF_INET) {
      struct sockaddr_in *l4 = (struct sockaddr_in *)&local;
      fam = 4;
      memcpy(addr, &l4->sin_addr, 4);
      if (family_of(&s->p) == 4 && ntohs(l4->sin_port) == port_of(&s->p) && memcmp(addr, s->p.addr, 4) == 0) status = ST_SELF;
    } else if (local.ss_family == AF_INET6) {
      struct sockaddr_in6 *l6 = (struct sockaddr_in6 *)&local;
      fam = 6;
      memcpy(addr, &l6->sin6_addr, 16);
      if (family_of(&s->p) == 6 && ntohs(l6->sin6_port) == port_of(&s->p) && memcmp(addr, s->p.addr, 16) == 0) status = ST_SELF;
    }
  }
  /* End with a reset (SO_LINGER 0), so no TIME_WAIT is left to eat local ports. */
  struct linger lg = {1, 0};
  setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  close(s->fd);
  emit(e, s->p.id, status, s->t0_ns);
  if (status == ST_OPEN) {
    result_t *r = &e->local_out[e->local_len - 1];
    r->local_family = fam;
    memcpy(r->local, addr, 16);
  }
}

/*
 * A TCP socket whose connect() failed is back in the CLOSE state with its local port
 * released, and Linux lets it connect() again. Reusing the sockets refused at once
 * (nearly every probe of a loopback or LAN sweep) saves a socket() and a close() per
 * probe, a good part of the kernel's work. Anything unexpected from a reused socket
 * and the probe starts over on a fresh one, so reuse never decides a state.
 */
static void keep_or_close(shard_t *e, int fd, int fam6) {
  if (e->nspare[fam6] < SPARE_MAX) e->spare[fam6][e->nspare[fam6]++] = fd;
  else close(fd);
}

static void close_spares(shard_t *e) {
  for (int f = 0; f < 2; f++)
    while (e->nspare[f]) close(e->spare[f][--e->nspare[f]]);
}

static void start_probe(shard_t *e, const probe_in_t *p) {
  uint64_t t0 = now_ns();
  int fam6 = family_of(p) == 6;
  struct sockaddr_storage ss;
  socklen_t len = fill_sockaddr(p, &ss);
  int reused = e->nspare[fam6] > 0;
  int fd, err;
  for (;;) {
    fd = reused ? e->spare[fam6][--e->nspare[fam6]] : socket(fam6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      emit(e, p->id, errno, 0);
      return;
    }
    err = connect(fd, (struct sockaddr *)&ss, len) == 0 ? 0 : errno;
    if (!reused || err == EINPROGRESS || err == 0) break;
    close(fd); /* a reused socket said something odd: start over on a fresh one */
    reused = 0;
    t0 = now_ns();
  }
  uint32_t i = e->free_list[--e->nfree];
  slot_t *s = &e->slots[i];
  s->fd = fd;
  s->t0_ns = t0;
  s->p = *p;
  if (err == EINPROGRESS) {
    /*
     * On loopback and other local paths the answer usually arrives inside connect()
     * itself (the SYN is processed before the call returns). Asking again tells without
     * touching epoll: EALREADY still waiting, EISCONN connected, anything else the error.
     */
    err = connect(fd, (struct sockaddr *)&ss, len) == 0 ? EISCONN : errno;
  }
  if (err == 0 || err == EISCONN) {
    on_connected(e, s);
    release_slot(e, i);
    return;
  }
  if (err != EINPROGRESS && err != EALREADY) {
    if (err == ECONNREFUSED) keep_or_close(e, fd, fam6);
    else close(fd);
    emit(e, p->id, err, t0);
    release_slot(e, i);
    return;
  }
  struct epoll_event ev;
  ev.events = EPOLLOUT;
  ev.data.u64 = ((uint64_t)s->gen << 32) | i;
  if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    err = errno;
    close(fd);
    emit(e, p->id, err, 0);
    release_slot(e, i);
    return;
  }
  heap_push(e, t0 + (uint64_t)p->timeout_ms * 1000000ull, i, s->gen);
}

static void on_event(shard_t *e, uint64_t data) {
  uint32_t i = (uint32_t)data, gen = (uint32_t)(data >> 32);
  if (i >= e->nslots) return;
  slot_t *s = &e->slots[i];
  if (s->fd < 0 || s->gen != gen) return;
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == 0) {
    on_connected(e, s);
  } else {
    close(s->fd);
    emit(e, s->p.id, err, s->t0_ns);
  }
  release_slot(e, i);
}

static void expire(shard_t *e, uint64_t now) {
  while (e->heap_len && e->heap[0].deadline_ns <= now) {
    timer_t_ t = e->heap[0];
    heap_pop(e);
    slot_t *s = &e->slots[t.slot];
    if (s->fd < 0 || s->gen != t.gen) continue;
    close(s->fd); /* still SYN_SENT: closing just forgets it, nothing is sent */
    emit(e, s->p.id, ST_TIMEOUT, s->t0_ns);
    release_slot(e, t.slot);
  }
}

static void cancel_all(shard_t *e) {
  for (uint32_t i = 0; i < e->nslots; i++) {
    if (e->slots[i].fd < 0) continue;
    close(e->slots[i].fd);
    emit(e, e->slots[i].p.id, ST_CANCELLED, 0);
    release_slot(e, i);
  }
  e->heap_len = 0;
}

static void *worker(void *arg) {
  shard_t *e = arg;
  struct epoll_event evs[1024];
  probe_in_t *batch = malloc(sizeof(probe_in_t) * e->nslots);
  if (!batch) abort();
  for (;;) {
    size_t take = 0;
    int stop, cancel;
    pthread_mutex_lock(&e->mu);
    stop = e->stopping;
    cancel = e->cancel_req;
    e->cancel_req = 0;
    if (cancel) {
      /* Probes not yet started are answered too, so JS's in-flight count reaches zero. */
      for (size_t k = e->in_head; k < e->in_len; k++) emit(e, e->in[k].id, ST_CANCELLED, 0);
      e->in_head = e->in_len = 0;
    } else {
      take = e->in_len - e->in_head;
      if (take > e->nfree) take = e->nfree;
      memcpy(batch, e->in + e->in_head, take * sizeof(probe_in_t));
      e->in_head += take;
      if (e->in_head == e->in_len) e->in_head = e->in_len = 0;
    }
    size_t queued = e->in_len - e->in_head;
    pthread_mutex_unlock(&e->mu);
    if (stop) {
      cancel_all(e);
      close_spares(e);
      e->local_len = 0;
      break;
    }
    if (cancel) cancel_all(e);
    for (size_t k = 0; k < take; k++) start_probe(e, &batch[k]);
    publish(e);

    int timeout = -1;
    if (queued && e->nfree) timeout = 0;
    else if (e->heap_len) {
      uint64_t now = now_ns();
      uint64_t d = e->heap[0].deadline_ns;
      timeout = d <= now ? 0 : (int)((d - now + 999999) / 1000000);
    }
    int n = epoll_wait(e->epfd, evs, 1024, timeout);
    if (n < 0 && errno != EINTR) break;
    for (int k = 0; k < n; k++) {
      if (evs[k].data.u64 == UINT64_MAX) {
        uint64_t v;
        while (read(e->evfd, &v, sizeof(v)) > 0) {
        }
        continue;
      }
      on_event(e, evs[k].data.u64);
    }
    expire(e, now_ns());
    publish(e);
  }
  free(batch);
  return NULL;
}

/* ---- the JS side ---- */

/* Runs on the JS thread: the whole outbox becomes one ArrayBuffer for the callback. */
static void call_js(napi_env env, napi_value cb, void *context, void *data) {
  (void)data;
  engine_t *e = context;
  if (!env || !cb) return;
  pthread_mutex_lock(&e->mu);
  size_t bytes = e->out_len * sizeof(result_t);
  void *dst = NULL;
  napi_value ab;
  napi_status st = napi_create_arraybuffer(env, bytes, &dst, &ab);
  if (st == napi_ok && bytes) memcpy(dst, e->out, bytes);
  e->out_len = 0;
  e->call_pending = 0;
  pthread_mutex_unlock(&e->mu);
  if (st != napi_ok) return;
  napi_value undef;
  napi_get_undefined(env, &undef);
  napi_call_function(env, undef, cb, 1, &ab, NULL);
}

static void wake(shard_t *sh) {
  uint64_t one = 1;
  if (write(sh->evfd, &one, sizeof(one)) < 0) {
    /* EAGAIN: the counter is already non-zero, so the thread wakes anyway */
  }
}

static void stop_engine(engine_t *e) {
  if (e->closed) return;
  e->closed = 1;
  for (uint32_t k = 0; k < e->nshards; k++) {
    shard_t *sh = &e->shards[k];
    if (!sh->thread_started) continue;
    pthread_mutex_lock(&sh->mu);
    sh->stopping = 1;
    pthread_mutex_unlock(&sh->mu);
    wake(sh);
  }
  for (uint32_t k = 0; k < e->nshards; k++) {
    shard_t *sh = &e->shards[k];
    if (sh->thread_started) pthread_join(sh->thread, NULL);
    sh->thread_started = 0;
  }
  napi_release_threadsafe_function(e->tsfn, napi_tsfn_release);
}

static void cleanup_hook(void *arg) { stop_engine(arg); }

static void free_engine(engine_t *e) {
  for (uint32_t k = 0; k < e->nshards; k++) {
    shard_t *sh = &e->shards[k];
    if (sh->epfd >= 0) close(sh->epfd);
    if (sh->evfd >= 0) close(sh->evfd);
    free(sh->in);
    free(sh->slots);
    free(sh->free_list);
    free(sh->heap);
    free(sh->local_out);
    pthread_mutex_destroy(&sh->mu);
  }
  free(e->shards);
  free(e->out);
  pthread_mutex_destroy(&e->mu);
  free(e);
}

/* Called when the handle is garbage-collected; stops the engine if close() was never called. */
static void finalize_handle(napi_env env, void *data, void *hint) {
  (void)hint;
  engine_t *e = data;
  if (!e->closed) {
    stop_engine(e);
    napi_remove_env_cleanup_hook(env, cleanup_hook, e);
  }
  /* The threadsafe function may still reference e until its own finalizer runs. */
  if (--e->refs == 0) free_engine(e);
}

static void tsfn_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  engine_t *e = data;
  if (--e->refs == 0) free_engine(e);
}

#define CHECK(call)                                                    \
  do {                                                                 \
    if ((call) != napi_ok) {                                           \
      napi_throw_error(env, "EPORTOLANSCAN", "portolan_scan: " #call); \
      return NULL;                                                     \
    }                                                                  \
  } while (0)

static engine_t *unwrap(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) {
    napi_throw_type_error(env, NULL, "portolan_scan: not an engine handle");
    return NULL;
  }
  return p;
}

static int init_shard(engine_t *e, shard_t *sh, uint32_t nslots) {
  sh->eng = e;
  sh->epfd = sh->evfd = -1;
  pthread_mutex_init(&sh->mu, NULL);
  sh->nslots = nslots;
  sh->slots = calloc(nslots, sizeof(slot_t));
  sh->free_list = calloc(nslots, sizeof(uint32_t));
  sh->epfd = epoll_create1(EPOLL_CLOEXEC);
  sh->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (!sh->slots || !sh->free_list || sh->epfd < 0 || sh->evfd < 0) return -1;
  for (uint32_t i = 0; i < nslots; i++) {
    sh->slots[i].fd = -1;
    sh->free_list[i] = nslots - 1 - i;
  }
  sh->nfree = nslots;
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = UINT64_MAX};
  return epoll_ctl(sh->epfd, EPOLL_CTL_ADD, sh->evfd, &ev);
}

/*
 * createEngine(onResults: (ab: ArrayBuffer) => void, maxInflight: number, threads = 1)
 * → handle. maxInflight is split between the threads; each probe goes to one of them.
 */
static napi_value create_engine(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t max = 0, threads = 1;
  if (argc < 2 || napi_get_value_uint32(env, argv[1], &max) != napi_ok || max == 0 ||
      (argc > 2 && (napi_get_value_uint32(env, argv[2], &threads) != napi_ok || threads == 0 || threads > 64))) {
    napi_throw_type_error(env, NULL, "createEngine(onResults, maxInflight > 0, threads 1-64)");
    return NULL;
  }
  if (threads > max) threads = max;
  engine_t *e = calloc(1, sizeof(*e));
  if (!e) {
    napi_throw_error(env, "ENOMEM", "portolan_scan: out of memory");
    return NULL;
  }
  pthread_mutex_init(&e->mu, NULL);
  e->shards = calloc(threads, sizeof(shard_t));
  if (!e->shards) {
    free_engine(e);
    napi_throw_error(env, "ENOMEM", "portolan_scan: out of memory");
    return NULL;
  }
  e->nshards = threads;
  for (uint32_t k = 0; k < threads; k++) {
    uint32_t n = max / threads + (k < max % threads ? 1 : 0);
    if (init_shard(e, &e->shards[k], n)) {
      int err = errno;
      free_engine(e);
      napi_throw_error(env, "EPORTOLANSCAN", err ? strerror(err) : "portolan_scan: setup failed");
      return NULL;
    }
  }
  napi_value name;
  CHECK(napi_create_string_utf8(env, "portolan_scan.results", NAPI_AUTO_LENGTH, &name));
  e->refs = 2;
  CHECK(napi_create_threadsafe_function(env, argv[0], NULL, name, 0, 1, e, tsfn_finalize, e, call_js, &e->tsfn));
  for (uint32_t k = 0; k < threads; k++) {
    if (pthread_create(&e->shards[k].thread, NULL, worker, &e->shards[k]) != 0) {
      stop_engine(e); /* joins the threads already started, releases the tsfn (whose finalizer frees one ref) */
      e->refs--;
      napi_throw_error(env, "EPORTOLANSCAN", "portolan_scan: cannot start a worker thread");
      return NULL;
    }
    e->shards[k].thread_started = 1;
  }
  napi_add_env_cleanup_hook(env, cleanup_hook, e);
  napi_value handle;
  CHECK(napi_create_external(env, e, finalize_handle, NULL, &handle));
  return handle;
}

/* submit(handle, probes: Uint8Array of 32-byte records): spread over the threads in runs. */
static napi_value submit(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  engine_t *e = unwrap(env, argv[0]);
  if (!e) return NULL;
  if (e->closed) {
    napi_throw_error(env, "EPORTOLANSCAN", "portolan_scan: engine is closed");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void *data = NULL;
  napi_value ab;
  if (argc < 2 || napi_get_typedarray_info(env, argv[1], &type, &length, &data, &ab, &offset) != napi_ok || type != napi_uint8_array || length % sizeof(probe_in_t)) {
    napi_throw_type_error(env, NULL, "submit(handle, Uint8Array of 32-byte probe records)");
    return NULL;
  }
  size_t n = length / sizeof(probe_in_t);
  const probe_in_t *recs = data;
  size_t per = (n + e->nshards - 1) / e->nshards;
  for (size_t start = 0; start < n; start += per) {
    size_t cnt = n - start < per ? n - start : per;
    shard_t *sh = &e->shards[e->next_shard];
    e->next_shard = (e->next_shard + 1) % e->nshards;
    pthread_mutex_lock(&sh->mu);
    int bad = grow((void **)&sh->in, &sh->in_cap, sh->in_len + cnt, sizeof(probe_in_t));
    if (!bad) {
      memcpy(sh->in + sh->in_len, recs + start, cnt * sizeof(probe_in_t));
      sh->in_len += cnt;
    }
    pthread_mutex_unlock(&sh->mu);
    if (bad) {
      napi_throw_error(env, "ENOMEM", "portolan_scan: out of memory");
      return NULL;
    }
    wake(sh);
  }
  return NULL;
}

/* cancel(handle): every probe in flight or queued is answered ST_CANCELLED. */
static napi_value cancel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  engine_t *e = unwrap(env, argv[0]);
  if (!e || e->closed) return NULL;
  for (uint32_t k = 0; k < e->nshards; k++) {
    shard_t *sh = &e->shards[k];
    pthread_mutex_lock(&sh->mu);
    sh->cancel_req = 1;
    pthread_mutex_unlock(&sh->mu);
    wake(sh);
  }
  return NULL;
}

/* close(handle): stops the threads (closing any sockets still open); results not yet delivered are dropped. */
static napi_value close_engine(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  engine_t *e = unwrap(env, argv[0]);
  if (!e || e->closed) return NULL;
  stop_engine(e);
  napi_remove_env_cleanup_hook(env, cleanup_hook, e);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"createEngine", NULL, create_engine, NULL, NULL, NULL, napi_default, NULL},
      {"submit", NULL, submit, NULL, NULL, NULL, napi_default, NULL},
      {"cancel", NULL, cancel, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_engine, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  napi_value v;
  if (napi_create_uint32(env, 1, &v) == napi_ok) napi_set_named_property(env, exports, "abiVersion", v);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
