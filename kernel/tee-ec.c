// SPDX-License-Identifier: GPL-2.0
/*
 * Bitsliced Cauchy Reed-Solomon erasure code: field arithmetic, the code
 * matrix, XOR schedules with common sub-expression elimination, encode,
 * decode (with a per-erasure-pattern schedule cache), delta update, and the
 * load-time self-test and executor selection.
 *
 * Only teearray-compat.h is used here; this file builds unchanged into the
 * module and into the userspace tests and benchmark.  The matrix is the
 * on-disk format and is specified in
 * Documentation/admin-guide/device-mapper/dm-teearray-erasure-code.rst;
 * the schedules are an implementation detail and never change the output.
 */
#include "tee-ec-impl.h"

/* GF(2^8) modulo x^8 + x^4 + x^3 + x^2 + 1 (0x11d), generator x (2). */
#define GF_POLY		0x11d
#define TEMP_CAP	TEE_EC_TEMP_CAP
#define CSE_MAX_IN	256	/* CSE only when 8 * inputs <= this */
#define GROUP_SECTORS	2	/* output sectors sharing one CSE pass */
#define DEC_CACHE	64	/* cached decode schedules per code */
/* decode's sector pointer arrays, at the start of the work buffer */
#define PTR_BYTES	((TEE_EC_MAX_SECTORS + 2 * TEE_EC_MAX_PARITY) * sizeof(void *))

static u8 gf_exp[510];
static u8 gf_log[256];
static u8 gf_ones[256];	/* ones in the 8x8 bit matrix of an element */
static bool gf_ready;

static void gf_init(void)
{
	unsigned int i, x = 1, c;

	if (READ_ONCE(gf_ready))
		return;
	for (i = 0; i < 255; i++) {
		gf_exp[i] = x;
		gf_exp[i + 255] = x;
		gf_log[x] = i;
		x <<= 1;
		if (x & 0x100)
			x ^= GF_POLY;
	}
	gf_log[0] = 0;
	for (i = 0; i < 256; i++) {
		unsigned int n = 0, e = i;

		for (c = 0; c < 8; c++) {
			n += hweight8(e);
			e <<= 1;
			if (e & 0x100)
				e ^= GF_POLY;
		}
		gf_ones[i] = n;
	}
	WRITE_ONCE(gf_ready, true);
}

static u8 gf_mul(u8 a, u8 b)
{
	if (!a || !b)
		return 0;
	return gf_exp[gf_log[a] + gf_log[b]];
}

static u8 gf_inv(u8 a)
{
	return gf_exp[255 - gf_log[a]];
}

/* Bit r of a * x^c: does plane c of the input feed plane r of the output? */
static u8 gf_mul_x(u8 a, unsigned int c)
{
	unsigned int e = a;

	while (c--) {
		e <<= 1;
		if (e & 0x100)
			e ^= GF_POLY;
	}
	return e;
}

struct dec_entry {
	u64 mask[4];
	struct tee_ec_prog *prog;	/* for executors without mul */
	u64 *mat;			/* for mul: decode or fix-up matrix */
};

struct tee_ec {
	unsigned int n, p;
	u8 *coef;			/* p rows of n */
	struct tee_ec_prog *enc;
	u64 *encmat;			/* p rows of n, for mul */
	int kidx;			/* straight-line encode kernel or -1 */
	int kxor;			/* kernel of shape N+1 (plain XOR) or -1 */
	struct tee_ec_prog *ident[TEE_EC_MAX_PARITY];	/* XOR e sectors */
	struct tee_ec_prog **upd;	/* single-sector update, built lazily */
	struct mutex lock;		/* upd[] and dec[] */
	unsigned int ndec;
	struct dec_entry dec[DEC_CACHE];
};

const struct tee_ec_prog *tee_ec_encode_prog(const struct tee_ec *ec)
{
	return ec->enc;
}

u8 tee_ec_coef(const struct tee_ec *ec, unsigned int i, unsigned int j)
{
	return ec->coef[i * ec->n + j];
}

/* Decode with a straight-line kernel re-encodes all parities into scratch. */
static size_t scratch_bytes(const struct tee_ec *ec)
{
	return ec->kidx >= 0 ? (size_t)ec->p * TEE_EC_SECTOR : 0;
}

size_t tee_ec_work_size(const struct tee_ec *ec)
{
	return PTR_BYTES + scratch_bytes(ec) +
	       max(tee_ec_exec_work(max(ec->n, ec->p)), TEE_EC_GFNI_WORK(ec->p));
}

/*
 * The 8x8 bit matrix of multiplication by @g for vgf2p8affineqb: bit i of
 * the product is the parity of byte 7 - i ANDed with the factor, so bit c
 * of byte 7 - i is bit i of g * x^c.
 */
u64 tee_ec_gf_affine(u8 g)
{
	unsigned int i, c;
	u64 m = 0;

	for (c = 0; c < 8; c++) {
		u8 col = gf_mul_x(g, c);

		for (i = 0; i < 8; i++)
			if (col & (1u << i))
				m |= 1ull << (8 * (7 - i) + c);
	}
	return m;
}

static u64 *build_mat(const u8 *rows, unsigned int nout, unsigned int nin)
{
	u64 *m = kvmalloc((size_t)nout * nin * sizeof(*m), GFP_NOIO);
	unsigned int i;

	if (!m)
		return NULL;
	for (i = 0; i < nout * nin; i++)
		m[i] = tee_ec_gf_affine(rows[i]);
	return m;
}

/*
 * The code matrix (see the documentation for the normative description).
 * Data sector j has Cauchy point y_j = j, parity 0 has x_0 = N.  Column j is
 * scaled by (x_0 + y_j) so parity 0 is all ones (plain XOR).  Parity i >= 1
 * takes, among the unused points x in N+1..255 in increasing order, the
 * point and the row scale s in 1..255 for which the row's bit matrices have
 * the fewest ones; ties go to the smaller x, then the smaller s.
 */
static void build_matrix(u8 *coef, unsigned int n, unsigned int p)
{
	u8 used[256] = { 0 };
	u8 norm[256];
	unsigned int i, j, x, s;

	for (j = 0; j < n; j++) {
		norm[j] = n ^ j;
		coef[j] = 1;
	}
	used[n] = 1;
	for (i = 1; i < p; i++) {
		unsigned int best = ~0u, bx = 0, bs = 0;

		for (x = n + 1; x < 256; x++) {
			u8 lg[256];

			if (used[x])
				continue;
			for (j = 0; j < n; j++)
				lg[j] = gf_log[gf_mul(gf_inv(x ^ j), norm[j])];
			for (s = 1; s < 256; s++) {
				unsigned int ls = gf_log[s], ones = 0;

				for (j = 0; j < n && ones < best; j++)
					ones += gf_ones[gf_exp[lg[j] + ls]];
				if (ones < best) {
					best = ones;
					bx = x;
					bs = s;
				}
			}
		}
		used[bx] = 1;
		for (j = 0; j < n; j++)
			coef[i * n + j] = gf_mul(bs, gf_mul(gf_inv(bx ^ j), norm[j]));
	}
}

/* A growable u16 array for program code. */
struct code_buf {
	u16 *v;
	size_t len, cap;
	bool oom;
};

static void cb_push(struct code_buf *cb, unsigned int x)
{
	if (cb->oom)
		return;
	if (cb->len == cb->cap) {
		size_t cap = cb->cap ? cb->cap * 2 : 1024;
		u16 *v = kmalloc(cap * sizeof(*v), GFP_NOIO);

		if (!v) {
			cb->oom = true;
			return;
		}
		if (cb->len)
			memcpy(v, cb->v, cb->len * sizeof(*v));
		kfree(cb->v);
		cb->v = v;
		cb->cap = cap;
	}
	cb->v[cb->len++] = x;
}

/*
 * Greedy pairing CSE over one group of output rows: masks[t] has bit r set
 * when row r of the group XORs term t.  Repeatedly replace the pair of terms
 * shared by the most rows (at least two) with a new temporary.
 */
static unsigned int cse_group(u32 *masks, unsigned int nterm, unsigned int base,
			      struct code_buf *cb, u32 *nxor, unsigned int cap)
{
	unsigned int ntemp = 0;

	while (ntemp < cap) {
		unsigned int a, b, ba = 0, bb = 0, best = 1;

		for (a = 0; a < nterm + ntemp; a++) {
			u32 ma = masks[a];

			if (hweight32(ma) <= best)
				continue;
			for (b = a + 1; b < nterm + ntemp; b++) {
				unsigned int w = hweight32(ma & masks[b]);

				if (w > best) {
					best = w;
					ba = a;
					bb = b;
					if (w == hweight32(ma))
						break;
				}
			}
		}
		if (best < 2)
			break;
		masks[nterm + ntemp] = masks[ba] & masks[bb];
		masks[ba] &= ~masks[nterm + ntemp];
		masks[bb] &= ~masks[nterm + ntemp];
		cb_push(cb, base + ntemp);
		cb_push(cb, 2);
		cb_push(cb, ba < nterm ? ba : base + ba - nterm);
		cb_push(cb, bb < nterm ? bb : base + bb - nterm);
		(*nxor)++;
		ntemp++;
	}
	return ntemp;
}

/* Element e of output sector row r of a group: input plane c feeds plane b. */
static void add_masks(u32 *masks, u8 e, unsigned int shift)
{
	unsigned int c, b;

	for (c = 0; c < 8; c++) {
		u8 col = gf_mul_x(e, c);

		for (b = 0; b < 8; b++)
			if (col & (1u << b))
				masks[c] |= 1u << (shift + b);
	}
}

/*
 * Build the program computing rows[0..nout-1] (each nin GF coefficients) from
 * nin input sectors.
 */
static struct tee_ec_prog *build_prog_opt(const u8 *rows, unsigned int nout,
					  unsigned int nin, unsigned int group,
					  unsigned int cap)
{
	unsigned int nterm = 8 * nin, g, r, t, maxtemp = 0;
	struct code_buf cb = { 0 };
	struct tee_ec_prog *pg = NULL;
	u32 nxor = 0;
	u32 *masks;

	masks = kmalloc((nterm + TEMP_CAP) * sizeof(*masks), GFP_NOIO);
	if (!masks)
		return NULL;
	for (g = 0; g < nout; g += group) {
		unsigned int gs = nout - g > group ? group : nout - g;
		unsigned int ntemp = 0;

		memset(masks, 0, (nterm + TEMP_CAP) * sizeof(*masks));
		for (r = 0; r < gs; r++)
			for (t = 0; t < nin; t++)
				add_masks(masks + 8 * t, rows[(g + r) * nin + t], 8 * r);
		if (nterm <= CSE_MAX_IN)
			ntemp = cse_group(masks, nterm, nterm, &cb, &nxor, cap);
		maxtemp = max(maxtemp, ntemp);
		for (r = 0; r < 8 * gs; r++) {
			size_t at;

			cb_push(&cb, TEE_EC_OUT | (8 * g + r));
			at = cb.len;
			cb_push(&cb, 0);
			for (t = 0; t < nterm + ntemp; t++) {
				if (masks[t] & (1u << r)) {
					cb_push(&cb, t);
					if (!cb.oom)
						cb.v[at]++;
				}
			}
			if (!cb.oom && cb.v[at])
				nxor += cb.v[at] - 1;
		}
	}
	kfree(masks);
	if (cb.oom)
		goto out;
	pg = kmalloc(sizeof(*pg) + cb.len * sizeof(u16), GFP_NOIO);
	if (!pg)
		goto out;
	pg->nin = nin;
	pg->nout = nout;
	pg->nslots = nterm + maxtemp;
	pg->ncode = cb.len;
	pg->nxor = nxor;
	memcpy(pg->code, cb.v, cb.len * sizeof(u16));
out:
	kfree(cb.v);
	return pg;
}

static struct tee_ec_prog *build_prog(const u8 *rows, unsigned int nout,
				      unsigned int nin)
{
	return build_prog_opt(rows, nout, nin, GROUP_SECTORS, TEMP_CAP);
}

struct tee_ec_prog *tee_ec_gen_prog(const struct tee_ec *ec, unsigned int group,
				    unsigned int cap)
{
	return build_prog_opt(ec->coef, ec->p, ec->n, group,
			      cap < TEMP_CAP ? cap : TEMP_CAP);
}

struct tee_ec_prog *tee_ec_gen_prog_cols(const struct tee_ec *ec,
					 unsigned int first, unsigned int count,
					 unsigned int group, unsigned int cap)
{
	struct tee_ec_prog *pg;
	unsigned int i, j;
	u8 *rows;

	rows = kmalloc(ec->p * count, GFP_KERNEL);
	if (!rows)
		return NULL;
	for (i = 0; i < ec->p; i++)
		for (j = 0; j < count; j++)
			rows[i * count + j] = tee_ec_coef(ec, i, first + j);
	pg = build_prog_opt(rows, ec->p, count, group,
			    cap < TEMP_CAP ? cap : TEMP_CAP);
	kfree(rows);
	return pg;
}

struct tee_ec *tee_ec_alloc(unsigned int n, unsigned int p)
{
	struct tee_ec *ec;
	unsigned int i;

	if (n < 1 || p < 1 || p > TEE_EC_MAX_PARITY || n + p > TEE_EC_MAX_SECTORS)
		return NULL;
	gf_init();
	ec = kzalloc(sizeof(*ec), GFP_KERNEL);
	if (!ec)
		return NULL;
	ec->n = n;
	ec->p = p;
	mutex_init(&ec->lock);
	ec->coef = kmalloc(n * p, GFP_KERNEL);
	ec->upd = kcalloc(n, sizeof(*ec->upd), GFP_KERNEL);
	if (!ec->coef || !ec->upd)
		goto fail;
	build_matrix(ec->coef, n, p);
	ec->kidx = -1;
	ec->kxor = -1;
	for (i = 0; i < TEE_EC_NKERNELS; i++) {
		if (tee_ec_impl_generic.kernels[i].n != n)
			continue;
		if (tee_ec_impl_generic.kernels[i].p == p)
			ec->kidx = i;
		if (tee_ec_impl_generic.kernels[i].p == 1)
			ec->kxor = i;
	}
	ec->enc = build_prog(ec->coef, p, n);
	ec->encmat = build_mat(ec->coef, p, n);
	if (!ec->enc || !ec->encmat)
		goto fail;
	if (ec->kidx >= 0) {
		u8 *id = kzalloc(p * p, GFP_KERNEL);

		if (!id)
			goto fail;
		for (i = 0; i < p; i++)
			id[i * p + i] = 1;
		for (i = 0; i < p; i++) {
			unsigned int j, k;

			/* (i + 1) x (i + 1) identity */
			for (j = 0; j <= i; j++)
				for (k = 0; k <= i; k++)
					id[j * (i + 1) + k] = j == k;
			ec->ident[i] = build_prog(id, i + 1, i + 1);
			if (!ec->ident[i])
				break;
		}
		kfree(id);
		if (i < p)
			goto fail;
	}
	return ec;
fail:
	tee_ec_free(ec);
	return NULL;
}

void tee_ec_free(struct tee_ec *ec)
{
	unsigned int i;

	if (!ec)
		return;
	for (i = 0; i < ec->ndec; i++) {
		kfree(ec->dec[i].prog);
		kvfree(ec->dec[i].mat);
	}
	kvfree(ec->encmat);
	if (ec->upd)
		for (i = 0; i < ec->n; i++)
			kfree(ec->upd[i]);
	kfree(ec->upd);
	for (i = 0; i < TEE_EC_MAX_PARITY; i++)
		kfree(ec->ident[i]);
	kfree(ec->enc);
	kfree(ec->coef);
	mutex_destroy(&ec->lock);
	kfree(ec);
}

static const struct tee_ec_impl *const impls[] = {
	&tee_ec_impl_generic,
#ifdef __x86_64__
	&tee_ec_impl_avx2,
	&tee_ec_impl_avx512,
	&tee_ec_impl_gfni,
#endif
};

static const struct tee_ec_impl *active_impl = &tee_ec_impl_generic;

const struct tee_ec_impl *tee_ec_get_impl(void)
{
	return READ_ONCE(active_impl);
}

void tee_ec_set_impl(const struct tee_ec_impl *impl)
{
	WRITE_ONCE(active_impl, impl);
}

const struct tee_ec_impl *const *tee_ec_impls(unsigned int *count)
{
	*count = ARRAY_SIZE(impls);
	return impls;
}

static void run_prog(const struct tee_ec_prog *pg, const u8 *const *in,
		     u8 *const *out, bool acc, void *work)
{
	const struct tee_ec_impl *im = READ_ONCE(active_impl);

	if (im->simd) {
		if (teearray_simd_begin()) {
			im->run(pg, in, out, acc, work);
			teearray_simd_end();
			return;
		}
		im = &tee_ec_impl_generic;
	}
	im->run(pg, in, out, acc, work);
}

static void run_kernel(int kidx, const u8 *const *in, u8 *const *out)
{
	const struct tee_ec_impl *im = READ_ONCE(active_impl);

	if (im->simd) {
		if (teearray_simd_begin()) {
			im->kernels[kidx].enc(in, out);
			teearray_simd_end();
			return;
		}
		im = &tee_ec_impl_generic;
	}
	im->kernels[kidx].enc(in, out);
}

/*
 * out = mat x in on the active executor's mul.  False if it has none or the
 * vector unit is not usable now (may_use_simd()): the caller then runs an
 * XOR schedule on the portable path instead.
 */
static bool run_mul(const u64 *mat, unsigned int nout, unsigned int nin,
		    const u8 *const *in, u8 *const *out, void *work)
{
	const struct tee_ec_impl *im = READ_ONCE(active_impl);

	if (!im->mul || !teearray_simd_begin())
		return false;
	im->mul(mat, nout, nin, in, out, work);
	teearray_simd_end();
	return true;
}

void tee_ec_encode(const struct tee_ec *ec, void *work,
		   const u8 *const *data, u8 *const *parity)
{
	if (ec->kidx >= 0)
		run_kernel(ec->kidx, data, parity);
	else if (!run_mul(ec->encmat, ec->p, ec->n, data, parity, work))
		run_prog(ec->enc, data, parity, false, work);
}

/* Invert the k x k matrix @a in place (Gauss-Jordan); false if singular. */
static bool gf_invert(u8 *a, u8 *inv, unsigned int k)
{
	unsigned int i, j, r;

	memset(inv, 0, k * k);
	for (i = 0; i < k; i++)
		inv[i * k + i] = 1;
	for (i = 0; i < k; i++) {
		u8 f;

		for (r = i; r < k && !a[r * k + i]; r++)
			;
		if (r == k)
			return false;
		if (r != i) {
			for (j = 0; j < k; j++) {
				u8 x = a[r * k + j], y = inv[r * k + j];

				a[r * k + j] = a[i * k + j];
				a[i * k + j] = x;
				inv[r * k + j] = inv[i * k + j];
				inv[i * k + j] = y;
			}
		}
		f = gf_inv(a[i * k + i]);
		for (j = 0; j < k; j++) {
			a[i * k + j] = gf_mul(a[i * k + j], f);
			inv[i * k + j] = gf_mul(inv[i * k + j], f);
		}
		for (r = 0; r < k; r++) {
			u8 m = a[r * k + i];

			if (r == i || !m)
				continue;
			for (j = 0; j < k; j++) {
				a[r * k + j] ^= gf_mul(m, a[i * k + j]);
				inv[r * k + j] ^= gf_mul(m, inv[i * k + j]);
			}
		}
	}
	return true;
}

/*
 * Decode program for an erasure set: inputs are the surviving data sectors
 * in order followed by the first e surviving parity sectors (e = erased
 * data count), outputs are the erased sectors in increasing order.
 */
static u8 *build_decode_rows(const struct tee_ec *ec, const u8 *erased,
			     unsigned int nerased)
{
	unsigned int n = ec->n, p = ec->p, e = 0, i, j, q, r, k;
	u8 *a, *b, *rows, *dat, *ret = NULL;
	u16 *ed, *in, *col;	/* col[j]: input position of surviving data j */

	ed = kmalloc(3 * TEE_EC_MAX_SECTORS * sizeof(*ed), GFP_NOIO);
	if (!ed)
		return NULL;
	in = ed + TEE_EC_MAX_SECTORS;
	col = in + TEE_EC_MAX_SECTORS;
	k = 0;
	for (j = 0; j < n; j++) {
		if (erased[j]) {
			ed[e++] = j;
		} else {
			col[j] = k;
			in[k++] = j;
		}
	}
	for (i = 0; i < p && k < n; i++)
		if (!erased[n + i])
			in[k++] = n + i;
	a = kmalloc(2 * e * e + nerased * n + e * n + 1, GFP_NOIO);
	if (!a) {
		kfree(ed);
		return NULL;
	}
	b = a + e * e;
	rows = b + e * e;
	dat = rows + nerased * n;
	/* A = C[used parities][erased data], B = A^-1 */
	for (q = 0; q < e; q++)
		for (r = 0; r < e; r++)
			a[q * e + r] = tee_ec_coef(ec, in[n - e + q] - n, ed[r]);
	if (!gf_invert(a, b, e))
		goto out;
	/* dat row r: erased data ed[r] as a combination of the inputs */
	memset(dat, 0, e * n);
	for (r = 0; r < e; r++) {
		for (q = 0; q < e; q++) {
			u8 br = b[r * e + q];
			unsigned int pi = in[n - e + q] - n;

			dat[r * n + n - e + q] = br;
			for (j = 0; j < n; j++)
				if (!erased[j])
					dat[r * n + col[j]] ^=
						gf_mul(br, tee_ec_coef(ec, pi, j));
		}
	}
	/* output rows in erased order */
	memset(rows, 0, nerased * n);
	r = 0;
	for (i = 0; i < n + p; i++) {
		u8 *row = rows + r * n;

		if (!erased[i])
			continue;
		if (i < n) {
			for (q = 0; q < e && ed[q] != i; q++)
				;
			memcpy(row, dat + q * n, n);
		} else {
			for (j = 0; j < n; j++) {
				u8 cf = tee_ec_coef(ec, i - n, j);

				if (!erased[j]) {
					row[col[j]] ^= cf;
					continue;
				}
				for (q = 0; q < e && ed[q] != j; q++)
					;
				for (k = 0; k < n; k++)
					row[k] ^= gf_mul(cf, dat[q * n + k]);
			}
		}
		r++;
	}
	ret = kmalloc(nerased * n, GFP_NOIO);
	if (ret)
		memcpy(ret, rows, nerased * n);
out:
	kfree(a);
	kfree(ed);
	return ret;
}

static struct tee_ec_prog *build_decode(const struct tee_ec *ec,
					const u8 *erased, unsigned int nerased)
{
	u8 *rows = build_decode_rows(ec, erased, nerased);
	struct tee_ec_prog *pg;

	if (!rows)
		return NULL;
	pg = build_prog(rows, nerased, ec->n);
	kfree(rows);
	return pg;
}

/*
 * With mul, decode either multiplies the survivors by the decode matrix
 * (N + ne transpositions, ne N products per column) or runs the encode
 * kernel and multiplies the syndromes by the ne x ne fix-up matrix (the
 * kernel, the syndrome XORs, 2 ne transpositions, ne^2 products).  Rough
 * vector operations per column, fitted to measurements on AMD Zen 5: a
 * transposition about 40, a product 16, the kernel its XORs plus 16 N,
 * the fix-up's fixed costs 150.  The fix-up wins with many data sectors
 * and few losses (16+2 losing 2: 1.5x), the matrix otherwise (8+8 losing
 * 8: 1.7x).
 */
static bool fixup_cheaper(const struct tee_ec *ec, unsigned int ne)
{
	unsigned int direct = 40 * (ec->n + ne) + 16 * ne * ec->n;
	unsigned int fix = ec->enc->nxor + 16 * ec->n + 150 + 80 * ne +
			   16 * ne * ne;

	return fix < direct;
}

/*
 * Decode for shapes with a straight-line encode kernel.  The kernel first
 * encodes the stripe with the erased data sectors read as zeroes into
 * scratch parities p'.  With S the first e surviving parities (e = erased
 * data count) and A = C[S][erased data], the erased data are
 * A^-1 (p_S + p'_S) and an erased parity i is p'_i + C[i][erased data] times
 * those.  decode_kernel() XORs p_S into p'_S (the syndromes); this program
 * computes the erased sectors from the syndromes (e sectors) and p'_i of
 * the erased parities.
 */
static u8 *build_fixup_rows(const struct tee_ec *ec, const u8 *erased,
			    unsigned int nerased, unsigned int *kinp)
{
	unsigned int n = ec->n, p = ec->p, e = 0, m = 0, i, q, r, k, kin;
	u8 ed[TEE_EC_MAX_PARITY], sp[TEE_EC_MAX_PARITY];
	u8 *a, *b, *rows, *ret = NULL;

	for (i = 0; i < n; i++)
		if (erased[i])
			ed[e++] = i;
	for (i = 0; i < p && m < e; i++)
		if (!erased[n + i])
			sp[m++] = i;
	m = nerased - e;
	kin = e + m;
	a = kmalloc(2 * e * e + nerased * kin + 1, GFP_NOIO);
	if (!a)
		return NULL;
	b = a + e * e;
	rows = b + e * e;
	for (q = 0; q < e; q++)
		for (r = 0; r < e; r++)
			a[q * e + r] = tee_ec_coef(ec, sp[q], ed[r]);
	if (!gf_invert(a, b, e))
		goto out;
	memset(rows, 0, nerased * kin);
	for (r = 0; r < e; r++) {
		for (q = 0; q < e; q++)
			rows[r * kin + q] = b[r * e + q];
	}
	k = 0;
	for (i = 0; i < p; i++) {
		u8 *row = rows + (e + k) * kin;

		if (!erased[n + i])
			continue;
		row[e + k] = 1;
		for (r = 0; r < e; r++) {
			u8 cf = tee_ec_coef(ec, i, ed[r]);

			for (q = 0; q < e; q++)
				row[q] ^= gf_mul(cf, b[r * e + q]);
		}
		k++;
	}
	ret = kmalloc(nerased * kin, GFP_NOIO);
	if (ret)
		memcpy(ret, rows, nerased * kin);
	*kinp = kin;
out:
	kfree(a);
	return ret;
}

static struct tee_ec_prog *build_fixup(const struct tee_ec *ec,
				       const u8 *erased, unsigned int nerased)
{
	struct tee_ec_prog *pg;
	unsigned int kin;
	u8 *rows;

	rows = build_fixup_rows(ec, erased, nerased, &kin);
	if (!rows)
		return NULL;
	pg = build_prog(rows, nerased, kin);
	kfree(rows);
	return pg;
}

static const u8 zero_sector[TEE_EC_SECTOR];

/* Decode through the straight-line kernel; pg is from build_fixup(). */
static int decode_kernel(const struct tee_ec *ec, void *work, u8 *const *sect,
			 const u8 *erased, const struct tee_ec_prog *pg,
			 const u64 *mat, unsigned int e)
{
	struct tee_ec_prog *tmp = NULL;
	unsigned int n = ec->n, p = ec->p, i, k = 0, m = 0;
	const u8 **in = work;
	u8 **out = (u8 **)(in + TEE_EC_MAX_SECTORS);
	u8 **pp = out + TEE_EC_MAX_PARITY;
	u8 *scratch = (u8 *)work + PTR_BYTES;

	for (i = 0; i < n; i++)
		in[i] = erased[i] ? zero_sector : sect[i];
	for (i = 0; i < p; i++)
		pp[i] = e || !erased[n + i] ? scratch + i * TEE_EC_SECTOR : sect[n + i];
	run_kernel(ec->kidx, in, pp);
	if (!e)
		return 0;
	/* inputs: p_S, p'_S, p' of erased parities; outputs: erased sectors */
	for (i = 0; i < p && k < e; i++) {
		if (erased[n + i])
			continue;
		in[k] = sect[n + i];
		out[k] = pp[i];
		k++;
	}
	run_prog(ec->ident[e - 1], in, out, true, scratch + scratch_bytes(ec));
	for (i = 0; i < e; i++)
		in[i] = out[i];
	for (i = 0; i < n + p; i++) {
		if (!erased[i])
			continue;
		out[m++] = sect[i];
		if (i >= n)
			in[m - 1] = pp[i - n];
	}
	if (mat && run_mul(mat, m, m, in, out, scratch + scratch_bytes(ec)))
		return 0;
	if (!pg) {
		/* no vector unit now for the cached matrix: a one-off schedule */
		tmp = build_fixup(ec, erased, m);
		if (!tmp)
			return -ENOMEM;
		pg = tmp;
	}
	run_prog(pg, in, out, false, scratch + scratch_bytes(ec));
	kfree(tmp);
	return 0;
}

/* The cached schedules of an erasure pattern, under ec->lock. */
static struct dec_entry *dec_find(struct tee_ec *ec, const u64 *mask)
{
	unsigned int i;

	for (i = 0; i < ec->ndec; i++)
		if (!memcmp(ec->dec[i].mask, mask, sizeof(ec->dec[i].mask)))
			return &ec->dec[i];
	return NULL;
}

/* A new empty cache entry, or NULL when the cache is full. */
static struct dec_entry *dec_add(struct tee_ec *ec, const u64 *mask)
{
	struct dec_entry *de;

	if (ec->ndec == DEC_CACHE)
		return NULL;
	de = &ec->dec[ec->ndec++];
	memcpy(de->mask, mask, sizeof(de->mask));
	de->prog = NULL;
	de->mat = NULL;
	return de;
}

static int tee_ec_decode_keep(struct tee_ec *ec, void *work, u8 *const *sect,
			      const u8 *erased, bool keep)
{
	const u8 **in = work;	/* pointer arrays live in the work buffer */
	u8 **out = (u8 **)(in + TEE_EC_MAX_SECTORS);
	unsigned int i, k = 0, ne = 0, e = 0, nt = ec->n + ec->p;
	struct tee_ec_prog *pg = NULL;
	struct dec_entry *de;
	u64 mask[4] = { 0 };
	bool cached = false;
	int ret = 0;

	for (i = 0; i < nt; i++) {
		if (!erased[i])
			continue;
		if (ne == ec->p)
			return -EINVAL;
		mask[i / 64] |= 1ull << (i % 64);
		out[ne++] = sect[i];
		if (i < ec->n)
			e++;
	}
	if (!ne)
		return 0;
	if (ne == 1 && e == 1 && !erased[ec->n] && ec->kxor >= 0) {
		/* one data sector lost, parity 0 intact: XOR of the others */
		for (i = 0; i < ec->n; i++)
			in[i] = erased[i] ? sect[ec->n] : sect[i];
		run_kernel(ec->kxor, in, out);
		return 0;
	}
	for (i = 0; i < ec->n; i++)
		if (!erased[i])
			in[k++] = sect[i];
	for (i = ec->n; i < nt && k < ec->n; i++)
		if (!erased[i])
			in[k++] = sect[i];

	if (READ_ONCE(active_impl)->mul) {
		bool fix = ec->kidx >= 0 && (!e || fixup_cheaper(ec, ne));
		bool mat_cached = false, done;
		unsigned int kin;
		u64 *mat = NULL;
		u8 *rows;

		if (fix && !e)
			return decode_kernel(ec, work, sect, erased, NULL, NULL, 0);
		mutex_lock(&ec->lock);
		de = dec_find(ec, mask);
		if (de && de->mat) {
			mat = de->mat;
			mat_cached = true;
		} else {
			if (fix) {
				rows = build_fixup_rows(ec, erased, ne, &kin);
			} else {
				rows = build_decode_rows(ec, erased, ne);
				kin = ec->n;
			}
			if (rows)
				mat = build_mat(rows, ne, kin);
			kfree(rows);
			if (!de && mat && keep)
				de = dec_add(ec, mask);
			if (de && mat) {
				de->mat = mat;
				mat_cached = true;
			}
		}
		mutex_unlock(&ec->lock);
		if (!mat)
			return -ENOMEM;
		if (fix) {
			int r = decode_kernel(ec, work, sect, erased, NULL, mat, e);

			if (!mat_cached)
				kvfree(mat);
			return r;
		}
		done = run_mul(mat, ne, ec->n, in, out, (u8 *)work + PTR_BYTES);
		if (!mat_cached)
			kvfree(mat);
		if (done)
			return 0;
		/* no vector unit now: an XOR schedule on the portable path */
	}

	mutex_lock(&ec->lock);
	de = dec_find(ec, mask);
	if (de && de->prog) {
		pg = de->prog;
		cached = true;
	} else if (ec->kidx >= 0 && !e) {
		cached = true;	/* parity only: no program needed */
	} else {
		pg = ec->kidx >= 0 ? build_fixup(ec, erased, ne) :
				     build_decode(ec, erased, ne);
		if (!de && pg && keep)
			de = dec_add(ec, mask);
		if (de && pg) {
			de->prog = pg;
			cached = true;
		}
	}
	mutex_unlock(&ec->lock);
	if (!pg && !cached)
		return -ENOMEM;
	if (ec->kidx >= 0)
		ret = decode_kernel(ec, work, sect, erased, pg, NULL, e);
	else
		run_prog(pg, in, out, false, (u8 *)work + PTR_BYTES);
	if (!cached)
		kfree(pg);
	return ret;
}

int tee_ec_decode(struct tee_ec *ec, void *work, u8 *const *sect,
		  const u8 *erased)
{
	return tee_ec_decode_keep(ec, work, sect, erased, true);
}

int tee_ec_decode_once(struct tee_ec *ec, void *work, u8 *const *sect,
		       const u8 *erased)
{
	return tee_ec_decode_keep(ec, work, sect, erased, false);
}

int tee_ec_update(struct tee_ec *ec, void *work, unsigned int nchg,
		  const u16 *idx, const u8 *const *delta, u8 *const *parity)
{
	struct tee_ec_prog *pg;
	unsigned int i, k;
	u8 *rows;

	for (k = 0; k < nchg; k++)
		if (idx[k] >= ec->n)
			return -EINVAL;
	if (!nchg)
		return 0;
	if (nchg == 1) {
		mutex_lock(&ec->lock);
		pg = ec->upd[idx[0]];
		if (!pg) {
			rows = kmalloc(ec->p, GFP_NOIO);
			if (rows) {
				for (i = 0; i < ec->p; i++)
					rows[i] = tee_ec_coef(ec, i, idx[0]);
				pg = build_prog(rows, ec->p, 1);
				ec->upd[idx[0]] = pg;
				kfree(rows);
			}
		}
		mutex_unlock(&ec->lock);
		if (!pg)
			return -ENOMEM;
		run_prog(pg, delta, parity, true, work);
		return 0;
	}
	rows = kmalloc(ec->p * nchg, GFP_NOIO);
	if (!rows)
		return -ENOMEM;
	for (i = 0; i < ec->p; i++)
		for (k = 0; k < nchg; k++)
			rows[i * nchg + k] = tee_ec_coef(ec, i, idx[k]);
	pg = build_prog(rows, ec->p, nchg);
	kfree(rows);
	if (!pg)
		return -ENOMEM;
	run_prog(pg, delta, parity, true, work);
	kfree(pg);
	return 0;
}

u64 tee_ec_fnv1a(u64 h, const void *buf, size_t len)
{
	const u8 *p = buf;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Self-test shape and its known answer (FNV-1a of the three parities). */
#define ST_N	8
#define ST_P	3
#define ST_KAT	0xdb02de3028f87ca4ull

static void st_fill(u8 *buf, size_t len, u64 seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		buf[i] = seed >> 32;
	}
}

struct st_ctx {
	struct tee_ec *ec;
	struct tee_ec *wide;		/* ST_N + 1 + ST_P: no straight-line kernel */
	u8 *buf, *work;
	u8 *d[ST_N + ST_P];
	u8 *ref[ST_P];
	u8 *tmp[ST_N + ST_P];
};

/* Check the active executor against the reference parity in ctx->ref. */
static bool st_check(struct st_ctx *c)
{
	u8 erased[ST_N + ST_P] = { 0 };
	const u16 idx[2] = { 2, 6 };
	unsigned int i;

	tee_ec_encode(c->ec, c->work, (const u8 *const *)c->d, c->d + ST_N);
	for (i = 0; i < ST_P; i++)
		if (memcmp(c->d[ST_N + i], c->ref[i], TEE_EC_SECTOR))
			return false;
	/* lose data 1 and 5 and parity 2 */
	for (i = 0; i < ST_N + ST_P; i++)
		memcpy(c->tmp[i], c->d[i], TEE_EC_SECTOR);
	erased[1] = 1;
	erased[5] = 1;
	erased[ST_N + 2] = 1;
	memset(c->tmp[1], 0, TEE_EC_SECTOR);
	memset(c->tmp[5], 0xa5, TEE_EC_SECTOR);
	memset(c->tmp[ST_N + 2], 0, TEE_EC_SECTOR);
	if (tee_ec_decode(c->ec, c->work, c->tmp, erased))
		return false;
	for (i = 0; i < ST_N + ST_P; i++)
		if (memcmp(c->tmp[i], c->d[i], TEE_EC_SECTOR))
			return false;
	/* delta update of data 2 and 6 with the same deltas twice: no change */
	st_fill(c->tmp[0], TEE_EC_SECTOR, 77);
	st_fill(c->tmp[1], TEE_EC_SECTOR, 78);
	for (i = 0; i < 2; i++)
		if (tee_ec_update(c->ec, c->work, 2, idx,
				  (const u8 *const *)c->tmp, c->d + ST_N))
			return false;
	for (i = 0; i < ST_P; i++)
		if (memcmp(c->d[ST_N + i], c->ref[i], TEE_EC_SECTOR))
			return false;
	return true;
}

/*
 * MB/s of data over about @budget ns: @what 0 encodes 8+3 (a straight-line
 * kernel), 1 decodes st_check()'s pattern of 8+3, 2 encodes 9+3 (a run-time
 * schedule, or mul).
 */
static u64 st_rate(struct st_ctx *c, int what, u64 budget)
{
	u8 erased[ST_N + ST_P] = { 0 };
	u64 t0, t, bytes = 0;

	erased[1] = 1;
	erased[5] = 1;
	erased[ST_N + 2] = 1;
	t0 = teearray_now_ns();
	do {
		if (what == 0)
			tee_ec_encode(c->ec, c->work, (const u8 *const *)c->d,
				      c->d + ST_N);
		else if (what == 1)
			tee_ec_decode(c->ec, c->work, c->tmp, erased);
		else
			tee_ec_encode(c->wide, c->work, (const u8 *const *)c->d,
				      c->tmp);
		bytes += (ST_N + (what == 2)) * TEE_EC_SECTOR;
		t = teearray_now_ns() - t0;
	} while (t < budget);
	return div64_u64(bytes * 1000, t ? t : 1);
}

int tee_ec_select(u64 budget_ns, unsigned int *mbps)
{
	const struct tee_ec_impl *best = &tee_ec_impl_generic;
	u64 best_rate = 0, best_score = 0, h = 0xcbf29ce484222325ull;
	struct st_ctx c;
	unsigned int i;
	int ret = 0;

	tee_ec_set_impl(&tee_ec_impl_generic);
	c.ec = tee_ec_alloc(ST_N, ST_P);
	c.wide = tee_ec_alloc(ST_N + 1, ST_P);
	if (!c.ec || !c.wide) {
		tee_ec_free(c.ec);
		tee_ec_free(c.wide);
		return -ENOMEM;
	}
	c.work = kvmalloc(max(tee_ec_work_size(c.ec), tee_ec_work_size(c.wide)),
			  GFP_KERNEL);
	c.buf = kvmalloc((2 * (ST_N + ST_P) + ST_P) * TEE_EC_SECTOR, GFP_KERNEL);
	if (!c.work || !c.buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ST_N + ST_P; i++) {
		c.d[i] = c.buf + i * TEE_EC_SECTOR;
		c.tmp[i] = c.buf + (ST_N + ST_P + i) * TEE_EC_SECTOR;
	}
	for (i = 0; i < ST_P; i++)
		c.ref[i] = c.buf + (2 * (ST_N + ST_P) + i) * TEE_EC_SECTOR;
	st_fill(c.buf, ST_N * TEE_EC_SECTOR, 1);
	tee_ec_encode(c.ec, c.work, (const u8 *const *)c.d, c.ref);
	for (i = 0; i < ST_P; i++)
		h = tee_ec_fnv1a(h, c.ref[i], TEE_EC_SECTOR);
	if (h != ST_KAT) {
		ret = -EIO;
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(impls); i++) {
		const struct tee_ec_impl *im = impls[i];
		u64 te, td, tw, t;

		if (!im->usable())
			continue;
		tee_ec_set_impl(im);
		if (!st_check(&c)) {
			ret = -EIO;
			best = &tee_ec_impl_generic;
			break;
		}
		te = st_rate(&c, 0, budget_ns / 3);
		td = st_rate(&c, 1, budget_ns / 3);
		tw = st_rate(&c, 2, budget_ns / 3);
		/* harmonic mean of the three rates */
		t = te && td && tw ? div64_u64(3 * te * td * tw,
					      te * td + td * tw + te * tw) : 0;
		if (t > best_score) {
			best_score = t;
			best_rate = te;
			best = im;
		}
	}
	if (mbps)
		*mbps = ret ? 0 : best_rate;
out:
	tee_ec_set_impl(best);
	kvfree(c.buf);
	kvfree(c.work);
	tee_ec_free(c.ec);
	tee_ec_free(c.wide);
	return ret;
}
