/*
 * One greyscale plane encoded as a progressive JPEG with a scan script of the caller's choosing.
 *
 * Pillow's JPEG writer always uses libjpeg's default progression, whose successive-approximation
 * passes over every AC coefficient cost about twice a baseline encode. This binds the few calls
 * of libjpeg (-turbo) needed to choose the scans; libjpeg still does all of the coding and checks
 * the script. Only the pipeline's own decoded pixels come here, never a user's bytes.
 *
 * encode(pixels, width, height, quant_table, scans) -> bytes
 *   pixels:      width * height bytes, row after row
 *   quant_table: 64 ints, in the order Pillow's `quantization` gives and its writer takes
 *   scans:       a sequence of (Ss, Se, Ah, Al), as in a SOS header
 * Raises ValueError for anything libjpeg refuses, with its message, and MemoryError when memory
 * runs out. The GIL is released while libjpeg works, so planes encode on several cores at once.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <stdlib.h>

#include <jpeglib.h>
#include <jerror.h>

#define MAX_SCANS 64
#define ROWS_PER_CALL 16

typedef struct {
    struct jpeg_error_mgr manager; /* first: libjpeg sees only this part */
    jmp_buf escape;
    char message[JMSG_LENGTH_MAX];
} ErrorTrap;

static void escape_on_error(j_common_ptr cinfo) {
    ErrorTrap *trap = (ErrorTrap *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, trap->message);
    longjmp(trap->escape, 1);
}

static void keep_quiet(j_common_ptr cinfo) { (void)cinfo; } /* warnings would go to stderr */

static int read_table(PyObject *sequence, unsigned int table[DCTSIZE2]) {
    PyObject *items = PySequence_Fast(sequence, "quant_table must be a sequence");
    if (items == NULL) return 0;
    if (PySequence_Fast_GET_SIZE(items) != DCTSIZE2) {
        PyErr_SetString(PyExc_ValueError, "quant_table must hold 64 values");
        Py_DECREF(items);
        return 0;
    }
    for (Py_ssize_t i = 0; i < DCTSIZE2; i++) {
        long value = PyLong_AsLong(PySequence_Fast_GET_ITEM(items, i));
        if (value == -1 && PyErr_Occurred()) break;
        if (value < 1 || value > 255) {
            PyErr_SetString(PyExc_ValueError, "quant_table values must be 1 to 255");
            break;
        }
        table[i] = (unsigned int)value;
    }
    Py_DECREF(items);
    return !PyErr_Occurred();
}

static int read_scans(PyObject *sequence, jpeg_scan_info scans[MAX_SCANS], int *count) {
    PyObject *items = PySequence_Fast(sequence, "scans must be a sequence");
    if (items == NULL) return 0;
    Py_ssize_t size = PySequence_Fast_GET_SIZE(items);
    if (size < 1 || size > MAX_SCANS) {
        PyErr_SetString(PyExc_ValueError, "scans must hold 1 to 64 scans");
        Py_DECREF(items);
        return 0;
    }
    for (Py_ssize_t i = 0; i < size; i++) {
        PyObject *scan = PySequence_Fast_GET_ITEM(items, i);
        int ss, se, ah, al;
        if (!PyTuple_Check(scan)) { /* PyArg_ParseTuple would raise SystemError */
            PyErr_SetString(PyExc_TypeError, "each scan must be a tuple (Ss, Se, Ah, Al)");
            Py_DECREF(items);
            return 0;
        }
        if (!PyArg_ParseTuple(scan, "iiii", &ss, &se, &ah, &al)) {
            Py_DECREF(items);
            return 0;
        }
        scans[i].comps_in_scan = 1;
        scans[i].component_index[0] = 0;
        scans[i].Ss = ss;
        scans[i].Se = se;
        scans[i].Ah = ah;
        scans[i].Al = al;
    }
    *count = (int)size;
    Py_DECREF(items);
    return 1;
}

/* Where libjpeg writes: one buffer of ours, grown by realloc, so that whatever happens the
 * caller holds the one pointer to free. (jpeg_mem_dest's buffer can be freed and replaced
 * inside libjpeg, out of reach of an error path.) */
typedef struct {
    struct jpeg_destination_mgr manager; /* first: libjpeg sees only this part */
    unsigned char *buffer;
    size_t size;
} GrowingBuffer;

static void start_writing(j_compress_ptr cinfo) {
    GrowingBuffer *out = (GrowingBuffer *)cinfo->dest;
    out->manager.next_output_byte = out->buffer;
    out->manager.free_in_buffer = out->size;
}

static boolean grow(j_compress_ptr cinfo) { /* called when the buffer is full */
    GrowingBuffer *out = (GrowingBuffer *)cinfo->dest;
    unsigned char *bigger = realloc(out->buffer, out->size * 2);
    if (bigger == NULL) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
    out->manager.next_output_byte = bigger + out->size;
    out->manager.free_in_buffer = out->size;
    out->buffer = bigger;
    out->size *= 2;
    return TRUE;
}

static void stop_writing(j_compress_ptr cinfo) { (void)cinfo; }

/* The whole encode, without the GIL. Returns 0 with trap->message set if libjpeg failed. */
static int compress(const unsigned char *pixels, JDIMENSION width, JDIMENSION height,
                    const unsigned int table[DCTSIZE2], jpeg_scan_info *scans, int scan_count,
                    ErrorTrap *trap, GrowingBuffer *out) {
    struct jpeg_compress_struct cinfo;
    cinfo.err = jpeg_std_error(&trap->manager);
    trap->manager.error_exit = escape_on_error;
    trap->manager.output_message = keep_quiet;
    if (setjmp(trap->escape)) {
        jpeg_destroy_compress(&cinfo);
        return 0;
    }
    jpeg_create_compress(&cinfo);
    out->manager.init_destination = start_writing;
    out->manager.empty_output_buffer = grow;
    out->manager.term_destination = stop_writing;
    cinfo.dest = &out->manager;
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = 1;
    cinfo.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&cinfo);
    jpeg_add_quant_table(&cinfo, 0, table, 100, TRUE); /* 100: the table as it is */
    cinfo.scan_info = scans;
    cinfo.num_scans = scan_count;
    cinfo.optimize_coding = TRUE;
    jpeg_start_compress(&cinfo, TRUE);
    JSAMPROW rows[ROWS_PER_CALL];
    while (cinfo.next_scanline < height) {
        JDIMENSION count = 0;
        while (count < ROWS_PER_CALL && cinfo.next_scanline + count < height) {
            rows[count] = (JSAMPROW)(pixels + (size_t)(cinfo.next_scanline + count) * width);
            count++;
        }
        jpeg_write_scanlines(&cinfo, rows, count);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    return 1;
}

static PyObject *encode(PyObject *module, PyObject *args) {
    (void)module;
    Py_buffer pixels;
    int width, height;
    PyObject *table_arg, *scans_arg;
    if (!PyArg_ParseTuple(args, "y*iiOO:encode", &pixels, &width, &height, &table_arg, &scans_arg))
        return NULL;
    unsigned int table[DCTSIZE2];
    jpeg_scan_info scans[MAX_SCANS];
    int scan_count = 0;
    PyObject *result = NULL;
    if (width < 1 || height < 1 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION ||
        pixels.len != (Py_ssize_t)width * height) {
        PyErr_SetString(PyExc_ValueError, "pixels must be width * height bytes, each side 1 to 65500");
    } else if (read_table(table_arg, table) && read_scans(scans_arg, scans, &scan_count)) {
        ErrorTrap trap;
        /* A quarter of a byte a pixel holds most photos' planes at once; it doubles if not. */
        GrowingBuffer out = {.size = (size_t)pixels.len / 4 + 4096};
        out.buffer = malloc(out.size);
        if (out.buffer == NULL) {
            PyErr_NoMemory();
        } else {
            int done;
            Py_BEGIN_ALLOW_THREADS
            done = compress(pixels.buf, (JDIMENSION)width, (JDIMENSION)height, table, scans,
                            scan_count, &trap, &out);
            Py_END_ALLOW_THREADS
            if (done)
                result = PyBytes_FromStringAndSize(
                    (const char *)out.buffer, (Py_ssize_t)(out.size - out.manager.free_in_buffer));
            else if (trap.manager.msg_code == JERR_OUT_OF_MEMORY) /* libjpeg's, or grow's */
                PyErr_NoMemory();
            else
                PyErr_SetString(PyExc_ValueError, trap.message);
            free(out.buffer);
        }
    }
    PyBuffer_Release(&pixels);
    return result;
}

static PyMethodDef methods[] = {
    {"encode", encode, METH_VARARGS,
     "encode(pixels, width, height, quant_table, scans) -> bytes: a greyscale progressive JPEG."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_definition = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "_plane_encoder",
    .m_doc = "Greyscale progressive JPEG with a chosen scan script (libjpeg).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__plane_encoder(void) {
    PyObject *module = PyModule_Create(&module_definition);
    if (module != NULL && PyModule_AddIntConstant(module, "JPEG_LIB_VERSION", JPEG_LIB_VERSION)) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
