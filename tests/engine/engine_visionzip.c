/*
 * engine_visionzip: an example engine that owns its Vulkan device and
 * buffers and drops vtc's fused VisionZip between its image encoder and its
 * projector, zero-copy, in one command buffer and one submit.
 *
 *   engine_visionzip [--plugin PATH] [--mode attn|qk_cls|qk_mean|all] [--threads] [--coexist]
 *
 *   default     one engine, one chunk per score mode, checked against the CPU;
 *               then a synchronous host-memory call on the engine's queue (lock taken)
 *   --threads   two engines (two devices, two vtc contexts) on two threads at once
 *   --coexist   the coexistence checks (engine_coexist.c)
 *   --chain M   recording patterns under synchronization validation (engine_chain.c):
 *               chain, twice, or the controls nobarrier / shortbinding (pass only when the
 *               layer reports the hazard / the out-of-bounds store)
 * VTC_VALIDATION=1 puts the validation layer on the engine's own instance
 * (which also watches everything vtc records on that device); any message fails.
 * Exit: 0 pass, 1 fail, 2 usage, 77 no Vulkan device (skip).
 */
#include "engine_chain.h"
#include "engine_coexist.h"
#include "engine_step.h"
#include "engine_sync.h"
#include "vtc_loader.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Engine messages count as failures: vtc recorded into this device too. */
static int check_validation(host_vk *e, const char *tag)
{
    unsigned n = atomic_load(&e->validation_messages);
    if (e->validation)
        printf("%s - %s_no_validation_messages: %u\n", n ? "FAIL" : "ok", tag, n);
    return n ? -1 : 0;
}

/* The engine's device, or a reason on stderr (the caller skips: no Vulkan device). */
static int open_engine(host_vk *e)
{
    char err[256];
    if (!engine_open(e, err, sizeof(err)))
        return 0;
    fprintf(stderr, "engine: %s\n", err);
    return -1;
}

static int run_modes(const vtc_api_v1 *api, const uint32_t *modes, int nmodes)
{
    host_vk e;
    if (open_engine(&e))
        return 77;
    vtc_context ctx = NULL;
    int fails = 0;
    vtc_result r = engine_vtc_context(&e, api, &ctx);
    if (r) {
        printf("FAIL - adopted_context: %s\n", api->result_string(r));
        fails++;
    }
    static const char *names[] = {"engine_attn_cls_chunk", "engine_qk_cls_chunk", "engine_qk_mean_chunk"};
    for (int i = 0; i < nmodes && ctx; i++) {
        engine_case c = engine_case_small(modes[i], 100 + modes[i]);
        fails += engine_step_visionzip(&e, api, ctx, &c, names[modes[i]]) != 0;
    }
    /* the same context records again into a fresh command buffer: pipelines are reused */
    if (ctx && nmodes) {
        engine_case c = engine_case_small(modes[0], 200);
        c.B = 3;
        fails += engine_step_visionzip(&e, api, ctx, &c, "engine_second_chunk_same_context") != 0;
    }
    api->context_destroy(ctx);
    /* the host-memory path on the same device, through the engine's queue lock */
    fails += engine_step_host_memory(&e, api, "engine_host_memory_call_takes_queue_lock") != 0;
    host_vk_destroy(&e);
    fails += check_validation(&e, "engine") != 0;
    return fails ? 1 : 0;
}

typedef struct worker {
    const vtc_api_v1 *api;
    pthread_barrier_t *start;
    uint32_t mode;
    int id;
    int fails;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    host_vk e;
    char err[256], tag[64];
    int have = !engine_open(&e, err, sizeof(err));
    vtc_context ctx = NULL;
    if (!have)
        printf("FAIL - thread%d_engine: %s\n", w->id, err);
    else if (engine_vtc_context(&e, w->api, &ctx))
        printf("FAIL - thread%d_adopted_context\n", w->id);
    /* both threads record and submit at the same time, each into its own context */
    pthread_barrier_wait(w->start);
    w->fails = !ctx;
    for (int round = 0; round < 2 && ctx; round++) {
        engine_case c = engine_case_small(w->mode, 1000u * (unsigned)w->id + (unsigned)round);
        snprintf(tag, sizeof(tag), "thread%d_round%d", w->id, round);
        w->fails += engine_step_visionzip(&e, w->api, ctx, &c, tag) != 0;
    }
    w->api->context_destroy(ctx);
    if (have) {
        host_vk_destroy(&e);
        snprintf(tag, sizeof(tag), "thread%d", w->id);
        w->fails += check_validation(&e, tag) != 0;
    }
    return NULL;
}

static int run_threads(const vtc_api_v1 *api)
{
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, 2);
    worker w[2] = {{api, &start, VTC_SCORE_ATTN_CLS, 0, 0}, {api, &start, VTC_SCORE_QK_MEAN, 1, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker_main, &w[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
    return w[0].fails || w[1].fails ? 1 : 0;
}

static int run_coexist(const char *plugin)
{
    host_vk e;
    /* the engine's Vulkan exists before vtc is loaded at all */
    if (open_engine(&e))
        return 77;
    int rc = engine_coexist(&e, plugin);
    host_vk_destroy(&e);
    if (check_validation(&e, "coexist"))
        rc = 1;
    return rc;
}

static int run_chain(const vtc_api_v1 *api, const char *mode)
{
    host_vk e;
    if (open_engine(&e))
        return 77;
    vtc_context ctx = NULL;
    int fails = engine_vtc_context(&e, api, &ctx) != VTC_SUCCESS;
    if (!fails)
        fails = engine_chain(&e, api, ctx, mode);
    api->context_destroy(ctx);
    host_vk_destroy(&e);
    int nobarrier = !strcmp(mode, "nobarrier");
    if (!nobarrier && strcmp(mode, "shortbinding"))
        return fails + (check_validation(&e, mode) != 0) ? 1 : 0;
    /* the controls: a recording with one barrier missing, or one binding too
       short, must be reported, else the layer is not checking what we think */
    unsigned n = atomic_load(&e.validation_messages);
    int caught = e.validation && n > 0;
    printf("%s - %s_is_reported_by_the_layer: %u message(s)%s\n", caught ? "ok" : "FAIL",
           nobarrier ? "missing_barrier_after_vtc" : "out_of_bounds_store_in_the_engines_shader", n,
           e.validation ? "" : " (validation layer off: set VTC_VALIDATION=1, or =gpu for shortbinding)");
    return caught ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *plugin = NULL, *mode = "all", *chain = NULL;
    int threads = 0, coexist = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--plugin") && i + 1 < argc)
            plugin = argv[++i];
        else if (!strcmp(argv[i], "--mode") && i + 1 < argc)
            mode = argv[++i];
        else if (!strcmp(argv[i], "--threads"))
            threads = 1;
        else if (!strcmp(argv[i], "--coexist"))
            coexist = 1;
        else if (!strcmp(argv[i], "--chain") && i + 1 < argc &&
                 (!strcmp(argv[i + 1], "chain") || !strcmp(argv[i + 1], "twice") || !strcmp(argv[i + 1], "nobarrier") ||
                  !strcmp(argv[i + 1], "shortbinding")))
            chain = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--plugin PATH] [--mode attn|qk_cls|qk_mean|all] [--threads] [--coexist] "
                            "[--chain chain|twice|nobarrier|shortbinding]\n",
                    argv[0]);
            return 2;
        }
    }
    if (coexist) {
        int rc = run_coexist(plugin);
        printf("%s\n", rc ? "FAILED" : "all ok");
        return rc;
    }
    uint32_t modes[3];
    int nmodes = 0;
    if (!strcmp(mode, "attn") || !strcmp(mode, "all"))
        modes[nmodes++] = VTC_SCORE_ATTN_CLS;
    if (!strcmp(mode, "qk_cls") || !strcmp(mode, "all"))
        modes[nmodes++] = VTC_SCORE_QK_CLS;
    if (!strcmp(mode, "qk_mean") || !strcmp(mode, "all"))
        modes[nmodes++] = VTC_SCORE_QK_MEAN;
    if (!nmodes) {
        fprintf(stderr, "unknown --mode '%s'\n", mode);
        return 2;
    }
    vtc_loader L;
    if (vtc_loader_open(&L, plugin)) {
        fprintf(stderr, "%s\n", L.error);
        return 1;
    }
    int rc = chain ? run_chain(L.api, chain) : threads ? run_threads(L.api) : run_modes(L.api, modes, nmodes);
    vtc_loader_close(&L);
    printf("%s\n", rc == 0 ? "all ok" : rc == 77 ? "skipped: no Vulkan device" : "FAILED");
    return rc;
}
