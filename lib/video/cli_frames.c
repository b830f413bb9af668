/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames as the ffmpeg command-line tool prints them for
 *   ffmpeg -i FILE -s WxH -an -f rawvideo -pix_fmt rgb24 -r FPS pipe:1
 * (the command TMK's reference hasher reads), from the video stage's
 * own demuxing and decoding (video_ff.h: allow-lists, limits, guard).
 *
 * What the tool does there (FFmpeg 5.1, fftools/), and what we do:
 *  - timestamps: the input's start time is subtracted from every packet
 *    (for formats with timestamp discontinuities, the start of the
 *    streams in use: here the video stream); a frame's time is its
 *    best-effort timestamp.
 *  - a filter graph per frame geometry: the frame turned upright by its
 *    display matrix (transpose, hflip, vflip or rotate, as the tool's
 *    autorotation picks them), then the scale filter to WxH with the
 *    tool's default scaler flags (none given: swscale's bicubic), then
 *    the format filter to rgb24.  libavfilter and libswscale do all of
 *    it, one thread per graph.  These filters keep no state between
 *    frames, so a frame the output rate drops is not scaled at all (the
 *    tool scales every frame), unless the next frame repeats it.
 *  - the output rate: -r with the rawvideo muxer (which has no
 *    timestamps but no variable frame rate either) means the tool's
 *    constant-rate video sync ("cfr"; "vscfr", which does not fill an
 *    initial gap, when the input file has a single stream).  The fps
 *    filter is not used (its rounding differs); the sync decides per
 *    filtered frame how many times it is written and how many copies of
 *    the frame before go first, from the frame's time in output frames,
 *    its length (the frame-rate guess or its packet duration, at most
 *    one output frame) and a running output position.  rate_plan below
 *    is that rule, in the tool's double and float arithmetic.
 * Not reproduced: the tool's own decoding-timestamp predictions (used
 * by the decoder only when packets lack timestamps), its corrections of
 * timestamp wraps and mid-stream discontinuities, and its probing
 * settings (the video stage probes under its own limits).  The tests
 * compare our frames with the tool's byte for byte.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/display.h>

#include "video_ff.h"

/* The tool's largest duplication of one frame (-dts_error_threshold's
 * default 3600 * 30, times 30): a frame asked to be written more often
 * is skipped. */
#define CLI_MAX_DUP (3600.0f * 30 * 30)

/* ---- the output rate ---------------------------------------------------- */

typedef struct cli_rate {
    AVRational in_tb;   /* frames' time base */
    AVRational out_tb;  /* 1 / fps */
    int fine_bits;      /* extra precision of a frame's output time */
    double frame_len;   /* a frame's length in output frames */
    AVRational st_tb;   /* stream time base (packet durations) */
    int vscfr;          /* single-stream input: an initial gap is not filled */
    int64_t next_out;   /* output position: the next frame written gets it */
    int64_t written;    /* frames written */
    int64_t gap_hist[3]; /* copies of the previous frame, last three frames */
    int last_dropped;
} cli_rate;

static int64_t median3(int64_t a, int64_t b, int64_t c) {
    if (a > b) return c > b ? (c > a ? a : c) : b;
    return b > c ? (c > a ? c : a) : b;
}

/* A frame as the output rate sees it: its time (the stream's time base,
 * AV_NOPTS_VALUE: none) and its packet's duration. */
typedef struct cli_time {
    int64_t pts, duration;
} cli_time;

/* How often the frame `fr` (NULL: the end of the stream) is written
 * (*copies) and how many of those are the previous frame (*prev, first);
 * *skip when the frame is neither written nor kept as the previous one. */
static void rate_plan(cli_rate *r, const cli_time *fr, int64_t *copies, int64_t *prev,
                      int *skip) {
    int64_t n = 1, n_prev = 0;
    *skip = 0;
    if (!fr) {
        n = n_prev = median3(r->gap_hist[0], r->gap_hist[1], r->gap_hist[2]);
    } else {
        /* the frame's time in output frames, with 16 bits more precision,
         * nudged off exact midpoints as the tool does */
        double t = (double)AV_NOPTS_VALUE;
        if (fr->pts != AV_NOPTS_VALUE) {
            AVRational fine = r->out_tb;
            fine.den <<= r->fine_bits;
            t = (double)av_rescale_q(fr->pts, r->in_tb, fine);
            t /= 1 << r->fine_bits;
            t += (t > 0 ? 1 : -1) * 1.0 / (1 << 17);
        }
        double len = r->frame_len;
        const int64_t pkt_len = fr->duration;
        const long whole = lrintf((float)((double)pkt_len * av_q2d(r->st_tb) / av_q2d(r->out_tb)));
        if (whole > 0) len = (double)whole;
        double drift = t - (double)r->next_out; /* where the frame falls */
        double end = drift + len;
        if (drift < 0 && end > 0) { /* starts before its slot: clipped */
            t = (double)r->next_out;
            len += drift;
            drift = 0;
        }
        if (r->vscfr && r->written == 0 && drift >= 0.5) { /* no initial fill */
            end = len;
            drift = 0;
            r->next_out = llrint(t);
        }
        if (end < -1.1)
            n = 0;
        else if (end > 1.1) {
            n = llrintf((float)end);
            if (drift > 1.1) n_prev = llrintf((float)(drift - 0.6));
        }
    }
    if (n_prev > n) n_prev = n;
    r->gap_hist[2] = r->gap_hist[1];
    r->gap_hist[1] = r->gap_hist[0];
    r->gap_hist[0] = n_prev;
    if (n > ((n_prev && r->last_dropped) + (n > n_prev)) && (float)n > CLI_MAX_DUP) {
        *skip = 1;
        *copies = *prev = 0;
        return;
    }
    r->last_dropped = n == n_prev && fr;
    *copies = n;
    *prev = n_prev;
}

/* Packets remembered while frames are not decoded: more in flight (the
 * decoder's reordering) means timestamps we do not follow. */
#define CLI_MAX_PENDING 64

/* ---- the filter graph --------------------------------------------------- */

struct hm_cli {
    hm_video *v;
    int shared; /* the frames also go to vPDQ: counted apart from its */
    int64_t emitted; /* frames given to fn */
    int side_w, side_h;
    hm_cli_frame_fn fn;
    void *user;
    AVFilterGraph *graph;
    AVFilterContext *in, *out;
    /* what the graph was built for */
    int w, h, format;
    int32_t matrix[9];
    int has_matrix;
    AVFrame *filtered;
    int64_t ts_offset; /* added to frames' timestamps, stream time base */
    cli_rate rate;
    uint8_t *cur, *prev; /* packed RGB24 of the frame and the one before */
    int have_prev;
    AVFrame *dropped; /* the frame before, when the rate dropped it (unscaled) */
    int have_dropped;
    int dropped_skipped; /* ... and it was not decoded (no pixels) */
    /* frames not decoded (below): packets sent and not yet out, by time */
    hm_cli_skip skipping; /* off when timestamps misbehave */
    int redo;      /* a frame not decoded was needed: run again, decoding all */
    int64_t asked; /* packets the decoder was allowed to drop */
    struct cli_pending {
        cli_time t;
        int may_drop; /* the decoder was allowed to drop it */
    } pend[CLI_MAX_PENDING];
    size_t npend;
    AVFrame *work; /* the frame pushed, retimed (a reference: its owner's stays) */
};
typedef struct hm_cli cli_src;

static int graph_fail(cli_src *s, int ret, const char *what) {
    char why[128];
    if (ret == AVERROR(ENOMEM)) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    av_strerror(ret, why, sizeof why);
    return hm_fail(HM_E_DECODE, "video: cannot %s (%s)", what, why);
}

static int add_filter(cli_src *s, AVFilterContext **last, const char *name,
                      const char *args) {
    AVFilterContext *f;
    const AVFilter *def = avfilter_get_by_name(name);
    int ret = def ? avfilter_graph_create_filter(&f, def, name, args, NULL, s->graph)
                  : AVERROR_FILTER_NOT_FOUND;
    if (ret >= 0) ret = avfilter_link(*last, 0, f, 0);
    if (ret < 0) return ret;
    *last = f;
    return 0;
}

/* The tool's autorotation for a display matrix (NULL: none). */
static int add_rotation(cli_src *s, AVFilterContext **last, const int32_t *m) {
    double theta = m ? -round(av_display_rotation_get(m)) : 0;
    char args[64];
    theta -= 360 * floor(theta / 360 + 0.9 / 360);
    if (fabs(theta - 90) < 1.0)
        return add_filter(s, last, "transpose", m[3] > 0 ? "cclock_flip" : "clock");
    if (fabs(theta - 180) < 1.0) {
        int ret = m[0] < 0 ? add_filter(s, last, "hflip", NULL) : 0;
        if (ret >= 0 && m[4] < 0) ret = add_filter(s, last, "vflip", NULL);
        return ret;
    }
    if (fabs(theta - 270) < 1.0)
        return add_filter(s, last, "transpose", m[3] < 0 ? "clock_flip" : "cclock");
    if (fabs(theta) > 1.0) {
        hm_snprintf_c(args, sizeof args, "%f*PI/180", theta);
        return add_filter(s, last, "rotate", args);
    }
    if (m && m[4] < 0) return add_filter(s, last, "vflip", NULL);
    return 0;
}

static int build_graph(cli_src *s, const AVFrame *fr, const int32_t *m) {
    const AVStream *st = s->v->ff->fmt->streams[s->v->ff->stream];
    AVRational fps = av_guess_frame_rate(s->v->ff->fmt, (AVStream *)st, NULL);
    AVRational sar = fr->sample_aspect_ratio.den ? fr->sample_aspect_ratio : (AVRational){0, 1};
    char args[256];
    AVFilterContext *last;
    int ret;
    avfilter_graph_free(&s->graph);
    if (!(s->graph = avfilter_graph_alloc()))
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    s->graph->nb_threads = 1; /* callers scale with one video per thread */
    int n = snprintf(args, sizeof args,
                     "video_size=%dx%d:pix_fmt=%d:time_base=%d/%d:pixel_aspect=%d/%d",
                     fr->width, fr->height, fr->format, st->time_base.num, st->time_base.den,
                     sar.num, sar.den);
    if (fps.num && fps.den)
        snprintf(args + n, sizeof args - (size_t)n, ":frame_rate=%d/%d", fps.num, fps.den);
    ret = avfilter_graph_create_filter(&s->in, avfilter_get_by_name("buffer"), "in", args, NULL,
                                       s->graph);
    last = s->in;
    if (ret >= 0) ret = add_rotation(s, &last, m);
    snprintf(args, sizeof args, "%d:%d", s->side_w, s->side_h);
    if (ret >= 0) ret = add_filter(s, &last, "scale", args);
    if (ret >= 0) ret = add_filter(s, &last, "format", "rgb24");
    if (ret >= 0)
        ret = avfilter_graph_create_filter(&s->out, avfilter_get_by_name("buffersink"), "out",
                                           NULL, NULL, s->graph);
    if (ret >= 0) ret = avfilter_link(last, 0, s->out, 0);
    if (ret >= 0) ret = avfilter_graph_config(s->graph, NULL);
    if (ret < 0) return graph_fail(s, ret, "set up the frame scaler");
    s->w = fr->width;
    s->h = fr->height;
    s->format = fr->format;
    s->has_matrix = m != NULL;
    if (m) memcpy(s->matrix, m, sizeof s->matrix);
    return HM_OK;
}

/* ---- frames out ---------------------------------------------------------- */

static int emit(cli_src *s, const uint8_t *rgb) {
    if (hm_video_stop_now(s->v)) return hm_video_stopped(s->v);
    const uint64_t px = (uint64_t)s->side_w * (uint64_t)s->side_h;
    int st = s->shared ? hm_video_count_work(s->v, px, ++s->emitted)
                       : hm_video_count_hashed(s->v, px);
    return st == HM_OK ? s->fn(s->user, rgb) : st;
}

/* The display matrix the tool turns a frame by: the frame's, else the
 * stream's (NULL: none). */
static const int32_t *matrix_of(const cli_src *s, const AVFrame *fr) {
    const AVFrameSideData *sd = av_frame_get_side_data(fr, AV_FRAME_DATA_DISPLAYMATRIX);
    if (sd && sd->size >= 9 * sizeof(int32_t)) return (const int32_t *)sd->data;
    size_t size = 0;
    const uint8_t *m = av_stream_get_side_data(s->v->ff->fmt->streams[s->v->ff->stream],
                                               AV_PKT_DATA_DISPLAYMATRIX, &size);
    return m && size >= 9 * sizeof(int32_t) ? (const int32_t *)m : NULL;
}

/* A decoded frame through the graph into dst (packed RGB24).  The graph
 * is (re)built for the frame's geometry and display matrix, as the tool
 * does when they change; its filters keep no state from frame to frame,
 * so frames the output rate drops need not pass through it. */
static int scale_into(cli_src *s, AVFrame *fr, uint8_t *dst) {
    const int32_t *m = matrix_of(s, fr);
    int ret;
    if (!s->graph || fr->width != s->w || fr->height != s->h || fr->format != s->format ||
        !m != !s->has_matrix || (m && memcmp(m, s->matrix, sizeof s->matrix))) {
        if ((ret = build_graph(s, fr, m)) != HM_OK) return ret;
    }
    ret = av_buffersrc_add_frame_flags(s->in, fr, AV_BUFFERSRC_FLAG_KEEP_REF);
    if (ret >= 0) ret = av_buffersink_get_frame(s->out, s->filtered);
    if (ret < 0) return graph_fail(s, ret, "scale a frame");
    const size_t row = (size_t)s->side_w * 3;
    for (int y = 0; y < s->side_h; y++)
        memcpy(dst + (size_t)y * row,
               s->filtered->data[0] + (size_t)y * (size_t)s->filtered->linesize[0], row);
    av_frame_unref(s->filtered);
    return HM_OK;
}

/* The rate wants the pixels of a frame that was not decoded: the caller
 * runs again, decoding every frame (s->redo stops this run). */
static int want_pixels(cli_src *s) {
    s->redo = 1;
    return HM_OK;
}

/* A frame through the output rate: `fr` decoded (its time `t`), or only
 * `t` for a frame not decoded, or neither at the end of the stream.  It
 * is written as often as the rate says, after the copies of the frame
 * before it asks for.  A frame written no time is kept unscaled
 * (s->dropped) until the next one shows whether it is repeated. */
static int rate_out(cli_src *s, AVFrame *fr, const cli_time *t) {
    int64_t copies, prev;
    int skip, st;
    rate_plan(&s->rate, t, &copies, &prev, &skip);
    if (skip) return HM_OK; /* neither written nor kept as the frame before */
    if (prev > 0 && s->have_dropped) { /* the frame before is repeated: scale it now */
        if (s->dropped_skipped) return want_pixels(s);
        if ((st = scale_into(s, s->dropped, s->prev)) != HM_OK) return st;
        s->have_prev = 1;
    }
    if (s->have_dropped) {
        av_frame_unref(s->dropped);
        s->have_dropped = 0;
    }
    if (t && copies == 0) { /* dropped, unless the next frame repeats it */
        if (fr && av_frame_ref(s->dropped, fr) < 0)
            return hm_fail(HM_E_NO_MEMORY, "out of memory");
        s->have_dropped = 1;
        s->dropped_skipped = !fr;
        s->have_prev = 0;
        return HM_OK;
    }
    if (t && !fr) return want_pixels(s);
    if (fr && (st = scale_into(s, fr, s->cur)) != HM_OK) return st;
    for (int64_t i = 0; i < copies; i++) {
        const uint8_t *px = i < prev && s->have_prev ? s->prev : fr ? s->cur : NULL;
        if (!px) return HM_OK;
        if ((st = emit(s, px)) != HM_OK) return st;
        s->rate.next_out++;
        s->rate.written++;
    }
    if (fr) {
        uint8_t *tmp = s->prev;
        s->prev = s->cur;
        s->cur = tmp;
        s->have_prev = 1;
    }
    return HM_OK;
}

/* ---- frames not decoded ---------------------------------------------------
 * Decoding is most of the cost, and the output rate drops many frames (at
 * 15 fps, half of a 30 fps video's).  A dropped non-reference frame (no
 * other frame is predicted from it) need not be decoded at all.  Whether
 * the rate drops a frame depends on its time and on the frames before it,
 * which come out of the decoder in presentation order while packets go
 * in in decoding order, so:
 *  - every packet sent is remembered (time, duration) in presentation
 *    order until its frame comes out (s->pend);
 *  - before a packet is sent, the rate is run on a copy of its state over
 *    the remembered packets before it, then over it and the one after it:
 *    when it would be neither written nor repeated by the next frame, the
 *    decoder may drop it if it is a non-reference frame (AVDISCARD_NONREF);
 *  - when a frame comes out, the remembered packets before it that the
 *    decoder was allowed to drop and did not give go through the rate as
 *    frames without pixels (counted in frames_skipped).
 * The guess is checked, never trusted: when the rate wants the pixels of
 * a frame not decoded, or a frame's time or duration is not its packet's,
 * or frames come out of order, or a packet the decoder had to decode gives
 * no frame, the run is void and the caller runs again decoding every
 * frame (redo).  The frames are always those of decoding everything: the
 * TMK tests compare them with the ffmpeg tool's byte for byte. */

/* A decoded frame's duration (its packet's), stream time base. */
static int64_t length(const AVFrame *fr) {
#if LIBAVUTIL_VERSION_INT >= AV_VERSION_INT(58, 0, 0)
    return fr->duration;
#else
    return fr->pkt_duration;
#endif
}

/* Timestamps we cannot follow: no more skipping; a redo if some frame
 * may already have been dropped. */
static void distrust(cli_src *s) {
    s->skipping = 0;
    s->npend = 0;
    if (s->asked) s->redo = 1;
}

/* Run the rate from r over t: copies written, repeats of the frame before. */
static void rate_try(cli_rate *r, const cli_time *t, int64_t *copies, int64_t *prev, int *skip) {
    rate_plan(r, t, copies, prev, skip);
    if (!*skip) {
        r->next_out += *copies;
        r->written += *copies;
    }
}

/* The decoder's hook before each packet (video_ff.h). */
static int may_skip(void *user, const AVPacket *pkt) {
    cli_src *s = user;
    int64_t copies, prev;
    int skip;
    size_t i, k;
    if (!s->skipping) return 0;
    if (pkt->pts == AV_NOPTS_VALUE || s->npend == CLI_MAX_PENDING) {
        distrust(s);
        return 0;
    }
    const cli_time t = {pkt->pts + s->ts_offset, pkt->duration};
    for (i = s->npend; i > 0 && s->pend[i - 1].t.pts >= t.pts; i--)
        if (s->pend[i - 1].t.pts == t.pts) { /* two frames, one time */
            distrust(s);
            return 0;
        }
    memmove(&s->pend[i + 1], &s->pend[i], (s->npend - i) * sizeof s->pend[0]);
    s->pend[i] = (struct cli_pending){t, 0};
    s->npend++;
    if (s->skipping == HM_CLI_SKIP_ANY) goto drop; /* tests: every redo path */
    if (i + 1 == s->npend) return 0; /* the next frame is not known yet */
    cli_rate r = s->rate;
    for (k = 0; k < i; k++) rate_try(&r, &s->pend[k].t, &copies, &prev, &skip);
    rate_try(&r, &t, &copies, &prev, &skip);
    if (skip || copies) return 0;
    rate_try(&r, &s->pend[i + 1].t, &copies, &prev, &skip);
    if (skip || prev) return 0;
drop:
    s->pend[i].may_drop = 1;
    s->asked++;
    return 1;
}

/* Before the decoded frame fr (time x, NULL at the end): the frames
 * before it that the decoder dropped, through the rate without pixels. */
static int settle(cli_src *s, const AVFrame *fr, int64_t x) {
    int st = HM_OK;
    size_t k = 0;
    if (!s->skipping) return HM_OK;
    if (fr && (fr->pts != fr->best_effort_timestamp || fr->pts == AV_NOPTS_VALUE)) {
        distrust(s);
        return HM_OK;
    }
    for (; k < s->npend && (!fr || s->pend[k].t.pts < x); k++) {
        if (!s->pend[k].may_drop) { /* a frame lost without us */
            distrust(s);
            return HM_OK;
        }
        s->v->info.frames_skipped++;
        if ((st = rate_out(s, NULL, &s->pend[k].t)) != HM_OK || s->redo) return st;
    }
    if (fr && (k == s->npend || s->pend[k].t.pts != x || s->pend[k].t.duration != length(fr))) {
        distrust(s); /* a frame we did not see go in, or not as it went in */
        return HM_OK;
    }
    if (fr) k++;
    memmove(&s->pend[0], &s->pend[k], (s->npend - k) * sizeof s->pend[0]);
    s->npend -= k;
    return HM_OK;
}

/* A decoded frame, with the tool's timestamp and aspect ratio. */
static int push(cli_src *s, AVFrame *fr) {
    const AVStream *st = s->v->ff->fmt->streams[s->v->ff->stream];
    int ret;
    if (fr->best_effort_timestamp != AV_NOPTS_VALUE) {
        if ((ret = settle(s, fr, fr->best_effort_timestamp + s->ts_offset)) != HM_OK || s->redo)
            return ret;
        fr->pts = fr->best_effort_timestamp;
    } else if (s->skipping) {
        distrust(s);
        if (s->redo) return HM_OK;
    }
    if (fr->pts != AV_NOPTS_VALUE) fr->pts += s->ts_offset;
    if (st->sample_aspect_ratio.num) fr->sample_aspect_ratio = st->sample_aspect_ratio;
    if ((fr->flags & AV_FRAME_FLAG_CORRUPT) || fr->decode_error_flags)
        s->v->info.partial = 1; /* concealed: used, as the tool uses it */
    const cli_time t = {fr->pts, length(fr)};
    return rate_out(s, fr, &t);
}

/* What the tool subtracts from every timestamp, in the stream's base. */
static int64_t start_offset(const hm_video *v) {
    const AVFormatContext *fmt = v->ff->fmt;
    const AVStream *st = fmt->streams[v->ff->stream];
    int64_t start = fmt->start_time;
    if (start == AV_NOPTS_VALUE) return 0;
    if ((fmt->iformat->flags & AVFMT_TS_DISCONT) && st->start_time != AV_NOPTS_VALUE) {
        /* the streams in use: other streams are discarded (-an) */
        const int64_t own = av_rescale_q(st->start_time, st->time_base, AV_TIME_BASE_Q);
        if (own > start) start = own;
    }
    return av_rescale_q(-start, AV_TIME_BASE_Q, st->time_base);
}

int hm_cli_new(hm_video *v, int w, int h, int fps, hm_cli_skip skip, int shared,
               hm_cli_frame_fn fn, void *user, hm_cli **out) {
    *out = NULL;
    if (!v->ff)
        return hm_fail(HM_E_UNSUPPORTED,
                       "video: animated WebP cannot be read as the ffmpeg tool reads videos "
                       "(FFmpeg 5.1 does not decode it)");
    cli_src *s = calloc(1, sizeof *s);
    if (!s) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    *s = (cli_src){.v = v, .side_w = w, .side_h = h, .fn = fn, .user = user, .skipping = skip,
                   .shared = shared};
    const AVStream *vs = v->ff->fmt->streams[v->ff->stream];
    const AVRational guess = av_guess_frame_rate(v->ff->fmt, (AVStream *)vs, NULL);
    s->rate.in_tb = vs->time_base;
    s->rate.st_tb = vs->time_base;
    s->rate.out_tb = (AVRational){1, fps};
    s->rate.fine_bits = av_clip(29 - av_log2((unsigned)fps), 0, 16);
    if (guess.num > 0 && guess.den > 0)
        s->rate.frame_len = 1 / (av_q2d(guess) * av_q2d(s->rate.out_tb));
    if (vs->start_time != AV_NOPTS_VALUE) {
        const double one = 1 / (av_q2d((AVRational){fps, 1}) * av_q2d(s->rate.out_tb));
        if (one < s->rate.frame_len) s->rate.frame_len = one;
    }
    s->rate.vscfr = v->ff->fmt->nb_streams == 1;
    s->ts_offset = start_offset(v);
    const size_t bytes = (size_t)w * (size_t)h * 3;
    s->cur = malloc(bytes);
    s->prev = malloc(bytes);
    s->filtered = av_frame_alloc();
    s->dropped = av_frame_alloc();
    s->work = av_frame_alloc();
    if (!s->cur || !s->prev || !s->filtered || !s->dropped || !s->work) {
        hm_cli_free(s);
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    }
    if (skip) {
        v->ff->may_skip = may_skip;
        v->ff->may_skip_user = s;
    }
    *out = s;
    return HM_OK;
}

int hm_cli_push(hm_cli *s, const AVFrame *fr, int *redo) {
    if (av_frame_ref(s->work, fr) < 0) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    const int st = push(s, s->work);
    av_frame_unref(s->work);
    *redo = s->redo;
    return st;
}

int hm_cli_end(hm_cli *s, int *redo) {
    int st = HM_OK;
    if (s->v->info.frames_decoded) {
        st = settle(s, NULL, 0);
        if (st == HM_OK && !s->redo) st = rate_out(s, NULL, NULL);
    }
    *redo = s->redo;
    return st;
}

void hm_cli_free(hm_cli *s) {
    if (!s) return;
    if (s->v->ff && s->v->ff->may_skip_user == s) {
        s->v->ff->may_skip = NULL;
        s->v->ff->may_skip_user = NULL;
    }
    avfilter_graph_free(&s->graph);
    av_frame_free(&s->filtered);
    av_frame_free(&s->dropped);
    av_frame_free(&s->work);
    free(s->cur);
    free(s->prev);
    free(s);
}

int hm_video_cli_frames(hm_video *v, int w, int h, int fps, hm_cli_skip skip,
                        hm_cli_frame_fn fn, void *user, int *redo) {
    hm_cli *s;
    int got;
    *redo = 0;
    int st = hm_cli_new(v, w, h, fps, skip, 0, fn, user, &s);
    while (st == HM_OK && !*redo) {
        if ((st = hm_video_ff_decode(v, &got)) != HM_OK || !got) break;
        st = push(s, v->ff->frame); /* the frame is ours here: no reference of its own */
        av_frame_unref(v->ff->frame);
        *redo = s->redo;
    }
    if (st == HM_OK && !*redo) st = hm_cli_end(s, redo);
    hm_cli_free(s);
    return st;
}
