// Shared by the composite attention kernels (SPEC 3). Include after common.glsl.
// One push-constant block for every kernel of the op, so the host fills it once.
layout(push_constant) uniform P {
    uint B, Nq, Nk, Hq;
    uint Hkv, G, nsplit, chunk;   // G = Hq / Hkv; split s covers keys [s*chunk, (s+1)*chunk)
    float scale;                  // softmax scale * log2(e): logits are kept in base 2
    uint nblk;                    // pair blocks per (image, kv head)
    uint qs0, qs1, qs2;           // element strides of q: image, row, head (dh stride is 1)
    uint ks0, ks1, ks2;
    uint vs0, vs1, vs2;
    uint acc_off;                 // float index of the split accumulators in the partials buffer
} p;

// Visual rows are copied as raw bits so the aligner output is the value row exactly.
#ifdef STORAGE_F16
#define RAW uint16_t
#define RAW4 u16vec4
#else
#define RAW uint
#define RAW4 uvec4
#endif

// meta[b] = text rows of image b; meta[B + b*Nq + e] = the e-th query row of
// image b, text rows first (ascending), then visual rows (ascending).
uint list_base(uint b) { return p.B + b * p.Nq; }
