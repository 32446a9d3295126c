/* Helpers of the reliability tests: see rel.h. */
#include "rel.h"
#include "host_vk.h"
#include "op_desc.h"
#include "opcall.h"

#include <pthread.h>
#include <stdarg.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- random ---------------------------------------------------------- */
uint64_t rel_rand(uint64_t *s)
{
    /* splitmix64: tiny, seedable, the same sequence on every platform */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int64_t rel_pick(uint64_t *s, const int64_t *values, size_t n)
{
    return values[rel_rand(s) % n];
}

void rel_fill_f32(uint64_t *s, float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)((int64_t)(rel_rand(s) % 2001) - 1000) / 500.0f;
}

/* ---- context ----------------------------------------------------------- */
void rel_log_fn(void *user, int32_t level, const char *msg)
{
    rel_log *l = user;
    l->messages++;
    if (level == VTC_LOG_ERROR) {
        l->errors++;
        snprintf(l->last, sizeof(l->last), "%s", msg);
    }
}

/* A context description logging `level` and above into `log` (reset
   first; NULL: vtc's default, stderr). */
static vtc_context_desc desc_logging_into(rel_log *log, int32_t level)
{
    vtc_context_desc d;
    memset(&d, 0, sizeof(d));
    d.size = sizeof(d);
    if (log) {
        memset(log, 0, sizeof(*log));
        d.log = rel_log_fn;
        d.log_user = log;
        d.log_level = level;
    }
    return d;
}

vtc_context rel_context(rel_log *log, uint32_t flags, const vtc_allocator *alloc)
{
    vtc_context_desc d = desc_logging_into(log, VTC_LOG_WARN);
    d.flags = flags;
    d.allocator = alloc;
    vtc_context ctx = NULL;
    vtc_result r = vtc_context_create(&d, &ctx);
    if (r != VTC_SUCCESS) {
        fprintf(stderr, "no Vulkan context (%s): skipping\n", vtc_result_string(r));
        exit(77);
    }
    return ctx;
}

vtc_context_stats rel_stats(vtc_context ctx)
{
    vtc_context_stats s;
    memset(&s, 0, sizeof(s));
    s.size = sizeof(s);
    vtc_result r = vtc_context_stats_get(ctx, &s);
    CHECK(r == VTC_SUCCESS && s.size == sizeof(s), "stats: %s, size %u", vtc_result_string(r), s.size);
    return s;
}

void rel_check_validation(vtc_context ctx, const char *what)
{
    vtc_context_stats st = rel_stats(ctx);
    CHECK(st.validation_messages == 0, "%s: %llu validation messages", what, (unsigned long long)st.validation_messages);
}

/* ---- device arena -------------------------------------------------------- */
/* One mapped buffer on vtc's device and the test's own command pool on vtc's
   queue (host/common/host_vk.h on vtc_context_vulkan_handles). */
struct rel_arena {
    host_vk hv;
    host_vk_buffer buf;
    size_t used, guard, align;
};

int rel_adopted_like(vtc_context owner, PFN_vkGetInstanceProcAddr gipa, vtc_adopted_device *ad,
                     vtc_vulkan_handles *h)
{
    memset(h, 0, sizeof(*h));
    h->size = sizeof(*h);
    vtc_device_info info;
    memset(&info, 0, sizeof(info));
    info.size = sizeof(info);
    if (vtc_context_vulkan_handles(owner, h) || vtc_context_info(owner, &info)) {
        fprintf(stderr, "no handles from the owning context\n");
        return -1;
    }
    memset(ad, 0, sizeof(*ad));
    ad->size = sizeof(*ad);
    ad->queue_family = h->queue_family;
    ad->instance = h->instance;
    ad->physical_device = h->physical_device;
    ad->device = h->device;
    ad->queue = h->queue;
    ad->get_instance_proc_addr = gipa ? gipa : h->get_instance_proc_addr;
    ad->enabled = info.features; /* what the owning context enabled */
    ad->api_version = VK_API_VERSION_1_1;
    return 0;
}

vtc_result rel_adopted_context(const vtc_adopted_device *ad, rel_log *log, vtc_context *out)
{
    vtc_context_desc d = desc_logging_into(log, VTC_LOG_ERROR);
    d.adopted = ad;
    *out = NULL;
    return vtc_context_create(&d, out);
}

int rel_adopt_wrapped(vtc_context owner, PFN_vkGetInstanceProcAddr wrapper, vtc_adopted_device *ad,
                      PFN_vkGetInstanceProcAddr *real_gipa, PFN_vkGetDeviceProcAddr *real_gdpa, VkDevice *device)
{
    vtc_vulkan_handles h;
    if (rel_adopted_like(owner, wrapper, ad, &h))
        return -1;
    *real_gipa = h.get_instance_proc_addr;
    *real_gdpa = (PFN_vkGetDeviceProcAddr)h.get_instance_proc_addr(h.instance, "vkGetDeviceProcAddr");
    *device = h.device;
    return 0;
}

rel_arena *rel_arena_create(vtc_context ctx, size_t bytes)
{
    vtc_vulkan_handles h;
    memset(&h, 0, sizeof(h));
    h.size = sizeof(h);
    vtc_device_info info;
    memset(&info, 0, sizeof(info));
    info.size = sizeof(info);
    char err[256];
    rel_arena *a = calloc(1, sizeof(*a));
    if (!a || vtc_context_vulkan_handles(ctx, &h) || vtc_context_info(ctx, &info) ||
        host_vk_wrap(&a->hv, &h, err, sizeof(err))) {
        free(a);
        return NULL;
    }
    a->align = info.min_storage_offset_alignment > 256 ? info.min_storage_offset_alignment : 256;
    a->guard = a->align;
    if (host_vk_buffer_create(&a->hv, bytes, HOST_VK_MAPPED, &a->buf)) {
        rel_arena_destroy(a);
        return NULL;
    }
    rel_arena_reset(a);
    return a;
}

void rel_arena_destroy(rel_arena *a)
{
    if (!a)
        return;
    host_vk_buffer_destroy(&a->hv, &a->buf);
    host_vk_destroy(&a->hv);
    free(a);
}

VkBuffer rel_arena_buffer(const rel_arena *a) { return a->buf.buffer; }
uint8_t *rel_arena_map(const rel_arena *a) { return a->buf.map; }
size_t rel_arena_size(const rel_arena *a) { return a->buf.bytes; }
size_t rel_arena_guard(const rel_arena *a) { return a->guard; }

vtc_result rel_arena_record(rel_arena *a, size_t scratch_off, size_t scratch_bytes,
                            vtc_result (*record)(void *user, const vtc_exec *exec), void *user)
{
    return host_vk_record_vtc(&a->hv, a->buf.buffer, scratch_off, scratch_bytes, record, user);
}

void rel_arena_reset(rel_arena *a)
{
    memset(a->buf.map, REL_CANARY, a->buf.bytes);
    a->used = 0;
}

size_t rel_arena_region(rel_arena *a, size_t bytes)
{
    size_t off = a->used + a->guard;
    off = (off + a->align - 1) / a->align * a->align;
    size_t end = off + bytes + a->guard;
    if (end > a->buf.bytes)
        return (size_t)-1;
    a->used = end;
    return off;
}

long rel_arena_first_dirty(const rel_arena *a, size_t off, size_t len)
{
    for (size_t i = 0; i < len && off + i < a->buf.bytes; i++)
        if (((const uint8_t *)a->buf.map)[off + i] != REL_CANARY)
            return (long)i;
    return -1;
}

/* ---- random valid ops on host tensors ------------------------------------ */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/* The ops rel_call makes: every descriptor but compress, whose calls need a
   weight set (rel_compress_once). */
static const vtc_op_desc *rel_desc(int op)
{
    for (uint32_t i = 0, k = 0; vtc_op_desc_at(i); i++)
        if (vtc_op_desc_at(i)->op != VTC_OP_COMPRESS && (int)k++ == op)
            return vtc_op_desc_at(i);
    return NULL;
}

int rel_op_kinds(void)
{
    int n = 0;
    while (rel_desc(n))
        n++;
    return n;
}

const char *rel_op_name(int op)
{
    const vtc_op_desc *d = op >= 0 ? rel_desc(op) : NULL;
    return d ? d->name : "?";
}

/* Which calls are valid is judged on a context of its own, so that the
   context under test (failing allocations, a wrapped device) draws the
   same call from the same seed every time. */
static pthread_mutex_t judge_lock = PTHREAD_MUTEX_INITIALIZER;
static vtc_context judge;

static void judge_log(void *user, int32_t level, const char *msg)
{
    (void)user;
    (void)level;
    (void)msg; /* the rejected draws are expected: nothing to say */
}

static void judge_destroy(void)
{
    vtc_context_destroy(judge);
}

/* small sizes around the workgroup edges the ops use (4, 8, 16, 64) */
static const int64_t rel_sizes[] = {1, 2, 3, 4, 5, 8, 9, 16, 17, 33};

vtc_result rel_random_call(vtc_context ctx, uint64_t *s, uint64_t *hash, int *op_out)
{
    int op = (int)(rel_rand(s) % (uint64_t)rel_op_kinds());
    if (op_out)
        *op_out = op;
    return rel_call(ctx, op, s, hash);
}

int rel_draw(int op, uint64_t *s, const int64_t *sizes, size_t nsizes, double max_bytes, unsigned flags, opcall *c)
{
    const vtc_op_desc *d = rel_desc(op);
    pthread_mutex_lock(&judge_lock);
    if (!judge) {
        vtc_context_desc cd;
        memset(&cd, 0, sizeof(cd));
        cd.size = sizeof(cd);
        cd.log = judge_log;
        if (vtc_context_create(&cd, &judge) == VTC_SUCCESS)
            atexit(judge_destroy);
    }
    int r = d && judge ? opcall_random_valid(judge, c, d, s, sizes, nsizes, max_bytes, flags) : -1;
    pthread_mutex_unlock(&judge_lock);
    return r;
}

/* Every output of the op's table (plugin/ops/<op>/<op>_desc.c) that the
   call was given, in struct order: what two runs of the same call compare. */
static uint64_t hash_outputs(uint64_t h, const opcall *c)
{
    for (uint32_t i = 0; i < c->d->ntensors; i++) {
        const vtc_tensor *t = vtc_op_tensor_in_const(&c->d->tensors[i], c->args);
        if ((c->d->tensors[i].role & VTC_ROLE_OUTPUT) && t->host)
            h = fnv(h, t->host, (size_t)vtc_op_desc_bytes(t));
    }
    return h;
}

vtc_result rel_call(vtc_context ctx, int op, uint64_t *s, uint64_t *hash)
{
    opcall c;
    *hash = 0;
    if (rel_draw(op, s, rel_sizes, sizeof(rel_sizes) / sizeof(rel_sizes[0]), 64 * 1024, 0, &c))
        return VTC_ERROR_UNSUPPORTED;
    void *mem[VTC_OP_DESC_MAX_TENSORS] = {0};
    vtc_result r = VTC_SUCCESS;
    for (uint32_t i = 0; i < c.d->ntensors; i++) {
        vtc_tensor *t = opcall_tensor(&c, i);
        if (t->dtype == VTC_DTYPE_NONE)
            continue;
        if (!(t->host = mem[i] = calloc(1, (size_t)vtc_op_desc_bytes(t) + 4)))
            r = VTC_ERROR_OUT_OF_MEMORY;
        else if (!(c.d->tensors[i].role & VTC_ROLE_OUTPUT))
            opcall_fill_input(&c, i, s, mem[i]);
    }
    if (r == VTC_SUCCESS)
        r = vtc_run(ctx, c.d->op, c.args, NULL);
    if (r == VTC_SUCCESS)
        *hash = hash_outputs(0xcbf29ce484222325ull, &c);
    for (uint32_t i = 0; i < c.d->ntensors; i++)
        free(mem[i]);
    return r;
}

/* ---- compress: one small weight set ---------------------------------------- */
#define CE 8
#define CQ 1
#define CN 4
typedef struct cweights {
    float query[CQ * CE], lnq_w[CE], lnq_b[CE], lnkv_w[CE], lnkv_b[CE];
    float in_w[3 * CE * CE], in_b[3 * CE], out_w[CE * CE], out_b[CE];
    float x[CN * CE];
} cweights;

vtc_result rel_compress_once(vtc_context ctx, uint64_t *hash)
{
    static cweights weights;
    static int ready;
    if (!ready) {
        uint64_t st = 77;
        rel_fill_f32(&st, (float *)&weights, sizeof(weights) / sizeof(float));
        for (int i = 0; i < CE; i++)
            weights.lnq_w[i] = weights.lnkv_w[i] = 1.0f;
        ready = 1;
    }
    cweights *cw = &weights;
    test_compress_arrays arrays = {cw->query, cw->lnq_w, cw->lnq_b, cw->lnkv_w, cw->lnkv_b,
                                   cw->in_w,  cw->in_b,  cw->out_w, cw->out_b};
    vtc_compress_weights_desc d = test_compress_desc(2, CQ, CE, &arrays);
    vtc_weights w = NULL;
    vtc_result r = vtc_compress_weights_create(ctx, &d, &w);
    if (r)
        return r;
    r = vtc_compress_weights_prepare(ctx, w, CN);
    float out[CQ * CE] = {0};
    if (!r) {
        vtc_compress_args a;
        memset(&a, 0, sizeof(a));
        a.size = sizeof(a);
        a.weights = w;
        a.x = test_host_tensor(VTC_DTYPE_F32, cw->x, 3, 1, CN, CE);
        a.out = test_host_tensor(VTC_DTYPE_F32, out, 3, 1, CQ, CE);
        r = vtc_compress(ctx, &a, NULL);
    }
    vtc_compress_weights_destroy(ctx, w);
    *hash = 0;
    if (!r)
        for (size_t i = 0; i < sizeof(out); i++)
            *hash = (*hash ^ ((uint8_t *)out)[i]) * 0x100000001b3ull;
    return r;
}

/* ---- failure reporting ----------------------------------------------------- */
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static int fail_count;

void rel_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    pthread_mutex_lock(&fail_lock);
    fail_count++;
    fprintf(stderr, "FAIL %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    pthread_mutex_unlock(&fail_lock);
}

int rel_failures(void)
{
    pthread_mutex_lock(&fail_lock);
    int n = fail_count;
    pthread_mutex_unlock(&fail_lock);
    return n;
}
