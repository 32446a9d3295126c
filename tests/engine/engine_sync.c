/*
 * The host-memory path on the engine's own device: a synchronous vtc call
 * (through host/mtmd) on an adopted context submits to the engine's queue,
 * and must do so under the engine's queue lock.
 */
#include "engine_sync.h"
#include "engine_step.h"
#include "ref.h"
#include "vtc_mtmd.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct queue_guard {
    pthread_mutex_t mutex;
    int locks, unlocks, held;
    int misuse; /* unlock without lock, or lock while held */
} queue_guard;

static void guard_lock(void *user)
{
    queue_guard *g = user;
    pthread_mutex_lock(&g->mutex);
    g->misuse |= g->held;
    g->held = 1;
    g->locks++;
}

static void guard_unlock(void *user)
{
    queue_guard *g = user;
    g->misuse |= !g->held;
    g->held = 0;
    g->unlocks++;
    pthread_mutex_unlock(&g->mutex);
}

int engine_step_host_memory(host_vk *e, const vtc_api_v1 *api, const char *tag)
{
    enum { GRID = 10, N = 1 + GRID * GRID, D = 24, BUDGET = 20 };
    queue_guard guard;
    memset(&guard, 0, sizeof(guard));
    pthread_mutex_init(&guard.mutex, NULL);
    vtc_adopted_device ad;
    engine_adopted_device(e, &ad);
    ad.queue_lock = guard_lock;
    ad.queue_unlock = guard_unlock;
    ad.queue_lock_user = &guard;
    vtc_context_desc desc;
    memset(&desc, 0, sizeof(desc));
    desc.size = sizeof(desc);
    desc.adopted = &ad;
    vtc_context ctx = NULL;
    vtc_result r = api->context_create(&desc, &ctx);

    float embd[N * D], out[BUDGET * D], want[BUDGET * D];
    int32_t want_src[BUDGET];
    vtc_mtmd_token tok[BUDGET];
    uint64_t st = 31;
    for (int i = 0; i < N * D; i++)
        embd[i] = ref_rng_normal(&st);
    int dom, ctxt;
    ref_token_split(BUDGET, 1, &dom, &ctxt);
    ref_visionzip(1, 1, N, D, 1, D, D, dom, ctxt, 1, 0, NULL, embd, embd, embd, embd, want, want_src);
    vtc_mtmd_grid grid = {1, GRID, GRID, 1};
    vtc_mtmd_visionzip_desc d;
    memset(&d, 0, sizeof(d));
    d.tokens = BUDGET;
    d.flags = VTC_MTMD_SELF_SCORES;
    uint32_t n = 0;
    if (!r)
        r = vtc_mtmd_visionzip(api, ctx, &grid, D, embd, &d, out, tok, BUDGET, &n);
    api->context_destroy(ctx);
    pthread_mutex_destroy(&guard.mutex);
    double nmse = r ? 1.0 : ref_nmse(out, want, (size_t)n * D);
    size_t bad = 0;
    for (uint32_t i = 0; !r && i < n; i++)
        bad += tok[i].index != want_src[i];
    int ok = !r && n == BUDGET && nmse <= 1e-9 && !bad && guard.locks > 0 && guard.locks == guard.unlocks &&
             !guard.misuse;
    printf("%s - %s: %s, %u rows, NMSE %.2e, %zu index mismatches, queue lock taken %d / released %d%s\n",
           ok ? "ok" : "FAIL", tag, api->result_string(r), n, nmse, bad, guard.locks, guard.unlocks,
           guard.misuse ? ", unbalanced" : "");
    return ok ? 0 : -1;
}
