/*
 * Coexistence: vtc inside a process that already drives Vulkan through its
 * own loader handle and function pointers. What must hold:
 *  - libvtc defines and imports no vk* symbol (so it can neither interpose
 *    on the engine's Vulkan nor bind to whatever libvulkan the process has);
 *  - loading vtc, creating and destroying contexts (adopted on the engine's
 *    device, and standalone next to it) leaves the engine's function
 *    pointers, its loader's answers and the global symbol scope as they were;
 *  - the engine's device keeps working after vtc's context is gone, and
 *    after the plugin is unloaded.
 */
#include "engine_coexist.h"
#include "engine_step.h"
#include "ref.h"
#include "vtc_loader.h"

#include <dlfcn.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(name, cond, ...) do { if (cond) printf("ok - %s\n", name); else { \
    printf("FAIL - %s: ", name); printf(__VA_ARGS__); printf("\n"); failures++; } } while (0)

/* Counts the vk* names in an ELF64 file's dynamic symbol table, defined or
   imported (-1: unreadable or not ELF64). first gets the first such name. */
static int vk_dynsyms(const char *path, char *first, size_t len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *img = size > (long)sizeof(Elf64_Ehdr) ? malloc((size_t)size) : NULL;
    int n = -1;
    if (!img || fread(img, 1, (size_t)size, f) != (size_t)size)
        goto done;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > (uint64_t)size)
        goto done;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(img + eh->e_shoff);
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_DYNSYM || sh[i].sh_link >= eh->e_shnum)
            continue;
        const Elf64_Shdr *strs = &sh[sh[i].sh_link];
        if (sh[i].sh_offset + sh[i].sh_size > (uint64_t)size || strs->sh_offset + strs->sh_size > (uint64_t)size)
            goto done;
        const Elf64_Sym *sym = (const Elf64_Sym *)(img + sh[i].sh_offset);
        const char *names = (const char *)(img + strs->sh_offset);
        n = 0;
        for (size_t s = 0; s < sh[i].sh_size / sizeof(Elf64_Sym); s++) {
            if (sym[s].st_name >= strs->sh_size)
                continue;
            const char *name = names + sym[s].st_name;
            if (!strncmp(name, "vk", 2) || !strncmp(name, "Vk", 2)) {
                if (!n++)
                    snprintf(first, len, "%s", name);
            }
        }
    }
done:
    free(img);
    fclose(f);
    return n;
}

/* A synchronous host-memory visionzip on a standalone context: vtc's own
   instance and device living next to the engine's in one process. */
static int standalone_next_to_engine(const vtc_api_v1 *api)
{
    enum { B = 1, N = 50, D = 8, H = 2, DM = 4, K = 6, C = 3, ROWS = 1 + K + C };
    float hid[B * N * D], met[B * N * DM], att[B * H * N], out[B * ROWS * D], want[B * ROWS * D];
    int32_t src[B * ROWS], want_src[B * ROWS];
    uint64_t st = 7;
    for (int i = 0; i < B * N * D; i++)
        hid[i] = ref_rng_normal(&st);
    for (int i = 0; i < B * N * DM; i++)
        met[i] = ref_rng_normal(&st);
    for (int i = 0; i < B * H * N; i++)
        att[i] = ref_rng_uniform(&st, 0, 1);
    ref_visionzip(0, B, N, D, H, 0, DM, K, C, 1, 0, att, NULL, NULL, hid, met, want, want_src);
    vtc_context ctx = NULL;
    vtc_result r = api->context_create(NULL, &ctx);
    if (r) {
        printf("FAIL - standalone_context_next_to_engine: %s\n", api->result_string(r));
        return -1;
    }
    vtc_visionzip_args a;
    memset(&a, 0, sizeof(a));
    a.dominant = K;
    a.contextual = C;
    vtc_tensor t = {sizeof(vtc_tensor), VTC_DTYPE_F32, 3, 0, {B, N, D}, {0}, hid, VK_NULL_HANDLE, 0};
    a.hidden = t;
    t.shape[2] = DM, t.host = met;
    a.metric = t;
    t.shape[1] = H, t.shape[2] = N, t.host = att;
    a.attn = t;
    t.shape[1] = ROWS, t.shape[2] = D, t.host = out;
    a.out = t;
    t.ndim = 2, t.dtype = VTC_DTYPE_I32, t.shape[2] = 0, t.host = src;
    a.src_idx = t;
    r = api->visionzip(ctx, &a, NULL);
    vtc_context_stats s = {sizeof(s)};
    memset(&s, 0, sizeof(s));
    api->context_stats_get(ctx, &s);
    api->context_destroy(ctx);
    double nmse = r ? 1.0 : ref_nmse(out, want, B * ROWS * D);
    size_t bad = r ? 1 : ref_index_mismatches(src, want_src, B * ROWS);
    CHECK("standalone_context_works_next_to_engine", !r && nmse <= 1e-9 && !bad && !s.validation_messages,
          "%s, NMSE %.2e, %zu index mismatches, %llu validation messages", api->result_string(r), nmse, bad,
          (unsigned long long)s.validation_messages);
    return 0;
}

int engine_coexist(host_vk *e, const char *plugin)
{
    failures = 0;
    /* the engine keeps Vulkan private (RTLD_LOCAL, nothing linked): no vk* in the global scope */
    CHECK("engine_keeps_vulkan_out_of_global_scope", dlsym(RTLD_DEFAULT, "vkCreateInstance") == NULL,
          "vkCreateInstance is globally visible before vtc is loaded");
    host_vk_fn before = e->fn;
    PFN_vkGetInstanceProcAddr gipa_before = e->gipa;
    PFN_vkVoidFunction create_buffer_before = e->gipa(e->instance, "vkCreateBuffer");
    PFN_vkVoidFunction dispatch_before = (PFN_vkVoidFunction)e->fn.vkGetDeviceProcAddr(e->device, "vkCmdDispatch");

    vtc_loader L;
    vtc_result r = vtc_loader_open(&L, plugin);
    if (r) {
        printf("FAIL - plugin_loads: %s\n", L.error);
        return 1;
    }
    Dl_info info;
    memset(&info, 0, sizeof(info));
    void *fnp;
    memcpy(&fnp, &L.api->context_create, sizeof(fnp));
    char first[128] = "";
    int nvk = dladdr(fnp, &info) && info.dli_fname ? vk_dynsyms(info.dli_fname, first, sizeof(first)) : -1;
    CHECK("plugin_defines_and_imports_no_vk_symbol", nvk == 0, "%s: %d vk* dynamic symbols (first: %s)",
          info.dli_fname ? info.dli_fname : "?", nvk, first);
    /* the same scan on the engine's libvulkan must find plenty: the scanner itself works */
    Dl_info vk_info;
    memset(&vk_info, 0, sizeof(vk_info));
    memcpy(&fnp, &e->gipa, sizeof(fnp));
    int nloader = dladdr(fnp, &vk_info) && vk_info.dli_fname ? vk_dynsyms(vk_info.dli_fname, first, sizeof(first)) : -1;
    CHECK("symbol_scan_finds_vk_symbols_in_libvulkan", nloader > 10, "%s: %d", vk_info.dli_fname ? vk_info.dli_fname : "?",
          nloader);

    vtc_context ctx = NULL;
    r = engine_vtc_context(e, L.api, &ctx);
    CHECK("adopted_context_on_engine_device", r == VTC_SUCCESS, "%s", L.api->result_string(r));
    if (!r) {
        vtc_device_info di = {sizeof(di)};
        memset(&di, 0, sizeof(di));
        L.api->context_info(ctx, &di);
        vtc_vulkan_handles h = {sizeof(h)};
        memset(&h, 0, sizeof(h));
        L.api->context_vulkan_handles(ctx, &h);
        CHECK("vtc_reports_engine_handles", di.adopted == 1 && h.device == e->device && h.queue == e->queue &&
              h.instance == e->instance && h.get_instance_proc_addr == e->gipa, "adopted %u", di.adopted);
        if (engine_step_visionzip(e, L.api, ctx, &(engine_case){VTC_SCORE_ATTN_CLS, 1, 8, 32, 2, 16, 16, 16, 16, 11},
                                  "coexist_visionzip_then_engine_projector"))
            failures++;
        L.api->context_destroy(ctx);
    }
    if (engine_step_projector(e, 21, "engine_device_works_after_vtc_context_destroyed"))
        failures++;
    standalone_next_to_engine(L.api);

    CHECK("engine_function_pointers_untouched", !memcmp(&before, &e->fn, sizeof(before)) && e->gipa == gipa_before,
          "the engine's table changed");
    CHECK("engine_loader_answers_unchanged",
          e->gipa(e->instance, "vkCreateBuffer") == create_buffer_before &&
              (PFN_vkVoidFunction)e->fn.vkGetDeviceProcAddr(e->device, "vkCmdDispatch") == dispatch_before,
          "vkGetInstanceProcAddr / vkGetDeviceProcAddr now resolve differently");
    CHECK("vtc_leaves_no_vk_symbol_in_global_scope",
          dlsym(RTLD_DEFAULT, "vkCreateInstance") == NULL && dlsym(RTLD_DEFAULT, "vkGetInstanceProcAddr") == NULL,
          "a vk* symbol became globally visible after vtc loaded Vulkan");

    /* a second context after the first is gone: no state left behind */
    r = engine_vtc_context(e, L.api, &ctx);
    if (!r) {
        if (engine_step_visionzip(e, L.api, ctx, &(engine_case){VTC_SCORE_QK_CLS, 1, 8, 32, 2, 16, 16, 16, 16, 12},
                                  "second_adopted_context_after_destroy"))
            failures++;
        L.api->context_destroy(ctx);
    } else {
        printf("FAIL - second_adopted_context_after_destroy: %s\n", L.api->result_string(r));
        failures++;
    }
    vtc_loader_close(&L);
    if (engine_step_projector(e, 22, "engine_device_works_after_plugin_unloaded"))
        failures++;
    return failures ? 1 : 0;
}
