/*
 * Concurrency under the documented thread rules (abi/vtc.h): separate
 * contexts are independent; one context is externally synchronised.
 *
 *  1. Reference: one thread, one context, runs each worker's sequence of
 *     random mixed calls and records the output hashes.
 *  2. Own contexts: THREADS threads, each creating its own context at the
 *     same time, run their sequences concurrently.
 *  3. Shared context: THREADS threads drive one context, each call under a
 *     host mutex (the rule), interleaving in whatever order the scheduler
 *     picks.
 * Every call of 2 and 3 must give the reference bits, and no context may
 * see a validation message.
 */
#include "rel.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define CALLS 16


static uint64_t reference[THREADS][CALLS];
static int ref_op[THREADS][CALLS];

typedef struct worker {
    int id;
    vtc_context shared;        /* NULL: create an own context */
    pthread_mutex_t *lock;
    pthread_barrier_t *start;
} worker;

static uint64_t seed_of(int id)
{
    return 0xc0ffee00ull + (uint64_t)id * 7919u;
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    rel_log log;
    pthread_barrier_wait(w->start); /* create the contexts at the same moment */
    vtc_context ctx = w->shared ? w->shared : rel_context(&log, 0, NULL);
    uint64_t s = seed_of(w->id);
    for (int i = 0; i < CALLS; i++) {
        uint64_t h = 0;
        int op = -1;
        if (w->lock)
            pthread_mutex_lock(w->lock);
        vtc_result r = rel_random_call(ctx, &s, &h, &op);
        if (w->lock)
            pthread_mutex_unlock(w->lock);
        CHECK(r == VTC_SUCCESS, "thread %d call %d (%s): %s", w->id, i, rel_op_name(op), vtc_result_string(r));
        CHECK(h == reference[w->id][i], "thread %d call %d (%s, %s context): bits differ from one thread", w->id, i,
              rel_op_name(op), w->shared ? "shared" : "own");
    }
    if (!w->shared) {
        rel_check_validation(ctx, "own context");
        vtc_context_destroy(ctx);
    }
    return NULL;
}

static void run_threads(vtc_context shared, pthread_mutex_t *lock)
{
    pthread_t th[THREADS];
    worker w[THREADS];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){i, shared, lock, &start};
        if (pthread_create(&th[i], NULL, run_worker, &w[i])) {
            fprintf(stderr, "pthread_create failed\n");
            exit(1);
        }
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&start);
}

int main(void)
{
    rel_log log;
    vtc_context ctx = rel_context(&log, 0, NULL);
    for (int t = 0; t < THREADS; t++) {
        uint64_t s = seed_of(t);
        for (int i = 0; i < CALLS; i++) {
            vtc_result r = rel_random_call(ctx, &s, &reference[t][i], &ref_op[t][i]);
            CHECK(r == VTC_SUCCESS, "reference call %d/%d (%s): %s", t, i, rel_op_name(ref_op[t][i]),
                  vtc_result_string(r));
        }
    }
    printf("reference: %d calls on one thread\n", THREADS * CALLS);

    run_threads(NULL, NULL);
    printf("own contexts: %d threads x %d calls\n", THREADS, CALLS);

    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    run_threads(ctx, &lock);
    printf("shared context under a mutex: %d threads x %d calls\n", THREADS, CALLS);
    rel_check_validation(ctx, "shared context");
    vtc_context_destroy(ctx);
    printf("%d failures\n", rel_failures());
    return rel_failures() ? 1 : 0;
}
