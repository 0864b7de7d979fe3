"""Vectorised point → h3 cell assignment (numpy), exact to the reference library.

Why: ``h3.latlng_to_cell`` costs ~2 µs per call from Python, so indexing a million complaints
takes ~2 s — most of the hotspot budget. H3 assigns a point by projecting it gnomonically onto
the nearest icosahedron face and rounding to the nearest centre of a hexagonal lattice on that
face. That part is pure arithmetic, so we do it for all points at once with numpy, group the
points by (face, lattice i, lattice j), and ask ``h3`` for the index of **one real member point
per lattice hexagon** (a few thousand calls). Every other point of the group lies in the same
planar hexagon on the same face, so it gets the same cell by construction; points too close to a
hexagon edge or to a face boundary to be sure of the rounding (floating ties) are handed to
``h3`` one by one. ``tests/test_geo_h3fast.py`` checks equality with ``h3`` on random points.

The face tables are H3's published constants (``faceijk.c``: face centres and the azimuth of
the Class II i-axis of each face).

Example
-------
>>> import numpy as np, h3
>>> cells = latlng_to_cells(np.array([31.2304]), np.array([121.4737]), 9)
>>> h3.int_to_str(int(cells[0])) == h3.latlng_to_cell(31.2304, 121.4737, 9)
True
>>> parent = h3.int_to_str(int(cell_parents(cells, 7)[0]))
>>> parent == h3.cell_to_parent(h3.int_to_str(int(cells[0])), 7)
True
"""

from __future__ import annotations

import h3
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
CellArray = npt.NDArray[np.uint64]

_FACE_CENTRE_LATLNG = np.array(
    [
        (0.803582649718989942, 1.248397419617396099),
        (1.307747883455638156, 2.536945009877921159),
        (1.054751253523952054, -1.347517358900396623),
        (0.600191595538186799, -0.450603909469755746),
        (0.491715428198773866, 0.401988202911306943),
        (0.172745327415618701, 1.678146885280433686),
        (0.605929321571350690, 2.953923329812411617),
        (0.427370518328979641, -1.888876200336285401),
        (-0.079066118549212831, -0.733429513380867741),
        (-0.230961644455383637, 0.506495587332349035),
        (0.079066118549212831, 2.408163140208925497),
        (0.230961644455383637, -2.635097066257444203),
        (-0.172745327415618701, -1.463445768309359553),
        (-0.605929321571350690, -0.187669323777381622),
        (-0.427370518328979641, 1.252716453253507838),
        (-0.600191595538186799, 2.690988744120037492),
        (-0.491715428198773866, -2.739604450678486295),
        (-0.803582649718989942, -1.893195233972397139),
        (-1.307747883455638156, -0.604647643711872080),
        (-1.054751253523952054, 1.794075294689396615),
    ]
)
_FACE_AXIS_AZ = np.array(
    [
        5.619958268523939882,
        5.760339081714187279,
        0.780213654393430055,
        0.430469363979999913,
        6.130269123335111400,
        2.692877706530642877,
        2.982963003477243874,
        3.532912002790141181,
        3.494305004259568154,
        3.003214169499538391,
        5.930472956509811562,
        0.138378484090254847,
        0.448714947059150361,
        0.158629650112549365,
        5.891865957979238535,
        2.711123289609793325,
        3.294508837434268316,
        3.804819692245439833,
        3.664438879055192436,
        2.361378999196363184,
    ]
)
_FACE_XYZ = np.stack(
    [
        np.cos(_FACE_CENTRE_LATLNG[:, 0]) * np.cos(_FACE_CENTRE_LATLNG[:, 1]),
        np.cos(_FACE_CENTRE_LATLNG[:, 0]) * np.sin(_FACE_CENTRE_LATLNG[:, 1]),
        np.sin(_FACE_CENTRE_LATLNG[:, 0]),
    ],
    axis=1,
)
_AP7_ROT_RADS = 0.333473172251832115336090755351601070065900389
_RES0_U_GNOMONIC = 0.38196601125010500003
_SQRT7 = 2.6457513110645905905016157536392604257102
_SQRT3_2 = 0.8660254037844386467637231707529361834714
_TIE = 1e-7  # lattice units²: closer calls than this go to the reference library
_FACE_TIE = 1e-12
_OFFSET = 1 << 24
_SAMPLE = 1024


def _face_frames(res: int) -> tuple[FloatArray, FloatArray]:
    """Per face: unit vectors u1, u2 of the tangent plane along the lattice x and y axes."""
    lat, lng = _FACE_CENTRE_LATLNG[:, 0], _FACE_CENTRE_LATLNG[:, 1]
    north = np.stack([-np.sin(lat) * np.cos(lng), -np.sin(lat) * np.sin(lng), np.cos(lat)], 1)
    east = np.stack([-np.sin(lng), np.cos(lng), np.zeros_like(lng)], 1)
    # H3: theta = axis azimuth - point azimuth (CCW from the i-axis), less AP7 in Class III
    axis = _FACE_AXIS_AZ - (_AP7_ROT_RADS if res % 2 == 1 else 0.0)
    u1 = np.cos(axis)[:, None] * north + np.sin(axis)[:, None] * east
    u2 = np.sin(axis)[:, None] * north - np.cos(axis)[:, None] * east
    return u1, u2


def _neighbour_faces() -> npt.NDArray[np.int64]:
    """The three faces sharing an edge with each face (its nearest other centres)."""
    cosines = _FACE_XYZ @ _FACE_XYZ.T
    np.fill_diagonal(cosines, -np.inf)
    return np.argsort(-cosines, axis=1)[:, :3]


_NEIGHBOURS = _neighbour_faces()


def _faces(
    a: FloatArray, b: FloatArray, c: FloatArray
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Nearest face centre of each unit vector (a, b, c) — H3's face choice — and tie flags.

    Faces are the spherical Voronoi cells of their centres, bounded by the bisector planes with
    the three adjacent faces: a point is on face f when it is nearer to f's centre than to those
    three. Candidate faces come from a sample of the points (data are regional); points on no
    candidate face are compared with all twenty centres.
    """
    n = len(a)
    face = np.full(n, -1, dtype=np.int64)
    tie = np.zeros(n, dtype=np.bool_)
    step = max(1, n // _SAMPLE)
    sample = np.stack([a[::step], b[::step], c[::step]], axis=1)
    for f in np.unique(np.argmax(sample @ _FACE_XYZ.T, axis=1)).tolist():
        margin = np.full(n, np.inf)
        for g in _NEIGHBOURS[f].tolist():
            normal = _FACE_XYZ[f] - _FACE_XYZ[g]
            margin = np.minimum(margin, a * normal[0] + b * normal[1] + c * normal[2])
        inside = (margin > 0) & (face < 0)
        face[inside] = f
        tie[inside] = margin[inside] < _FACE_TIE
    rest = np.flatnonzero(face < 0)
    if len(rest):
        dots = np.stack([a[rest], b[rest], c[rest]], axis=1) @ _FACE_XYZ.T
        best = np.argmax(dots, axis=1)
        top = dots[np.arange(len(rest)), best]
        dots[np.arange(len(rest)), best] = -np.inf
        face[rest] = best
        tie[rest] = top - dots.max(axis=1) < _FACE_TIE
    return face, tie


def _lattice_keys(
    lat_deg: FloatArray, lon_deg: FloatArray, res: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """(face, i, j) rows of each point's nearest lattice hexagon, and tie flags.

    The gnomonic projection keeps azimuths from the face centre, so H3's polar form
    (r = tan(angle), theta = axis azimuth - azimuth) is the linear map p -> (p·u1, p·u2) / p·c.
    """
    lat = np.radians(lat_deg)
    lng = np.radians(lon_deg)
    cos_lat = np.cos(lat)
    a = cos_lat * np.cos(lng)
    b = cos_lat * np.sin(lng)
    c = np.sin(lat)
    face, tie = _faces(a, b, c)
    u1, u2 = _face_frames(res)
    scale = _SQRT7**res / _RES0_U_GNOMONIC
    x = np.empty(len(a))
    y = np.empty(len(a))
    faces = np.unique(face).tolist()
    for f in faces:
        rows = slice(None) if len(faces) == 1 else face == f
        fa, fb, fc = a[rows], b[rows], c[rows]
        w, p, q = _FACE_XYZ[f], u1[f], u2[f]
        inv = scale / (fa * w[0] + fb * w[1] + fc * w[2])
        x[rows] = (fa * p[0] + fb * p[1] + fc * p[2]) * inv
        y[rows] = (fa * q[0] + fb * q[1] + fc * q[2]) * inv
    # lattice basis a1 = (1, 0), a2 = (-1/2, √3/2): centres at i·a1 + j·a2. In the cell
    # (i0, j0) with fractions (u, v) the squared distances to its four corners, less the one
    # to (i0, j0), are linear: 0, 1 + v - 2u, 1 + u - 2v, 1 - u - v.
    jf = y / _SQRT3_2
    fi = x + 0.5 * jf
    i0 = np.floor(fi)
    j0 = np.floor(jf)
    u = fi - i0
    v = jf - j0
    d1 = 1.0 + v - 2.0 * u
    d2 = 1.0 + u - 2.0 * v
    d3 = 1.0 - u - v
    low = np.minimum(np.minimum(d1, d2), np.minimum(d3, 0.0))
    corner = np.where(d1 == low, 1, np.where(d2 == low, 2, np.where(d3 == low, 3, 0)))
    near = (-low < _TIE).astype(np.int8) + (d1 - low < _TIE) + (d2 - low < _TIE) + (d3 - low < _TIE)
    tie |= near > 1
    best_i = i0.astype(np.int64) + (corner & 1)
    best_j = j0.astype(np.int64) + (corner >> 1)
    return np.stack([face, best_i, best_j]), tie


_DENSE_LIMIT = 1 << 24  # lattice boxes up to this size are grouped by counting, not sorting


def _group(lattice: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Group points by lattice hexagon: each point's group and each group's first point.

    Groups are numbered in (face, i, j) order. A regional data set spans a small box of the
    lattice, so grouping is a count over that box (linear time); a continent-wide one falls
    back to sorting.
    """
    lo = lattice.min(axis=1)
    span = lattice.max(axis=1) - lo + 1
    n = lattice.shape[1]
    if int(span[0]) * int(span[1]) * int(span[2]) <= max(_DENSE_LIMIT, 4 * n):
        dense = ((lattice[0] - lo[0]) * span[1] + (lattice[1] - lo[1])) * span[2] + (
            lattice[2] - lo[2]
        )
        size = int(span[0] * span[1] * span[2])
        present = np.flatnonzero(np.bincount(dense, minlength=size))
        lookup = np.zeros(size, dtype=np.intp)
        lookup[present] = np.arange(len(present))
        first_of = np.zeros(size, dtype=np.intp)
        first_of[dense[::-1]] = np.arange(n - 1, -1, -1)  # the last write wins: the first point
        return lookup[dense], first_of[present]
    keys = lattice[0] << 50 | (lattice[1] + _OFFSET) << 25 | (lattice[2] + _OFFSET)
    _, first, group = np.unique(keys, return_index=True, return_inverse=True)
    return group.astype(np.intp), first.astype(np.intp)


def _check(lat: npt.ArrayLike, lon: npt.ArrayLike, res: int) -> tuple[FloatArray, FloatArray]:
    if not 0 <= res <= 15:
        raise ValueError(f"h3 resolution must be 0–15, not {res}")
    lat_a = np.ascontiguousarray(lat, dtype=np.float64)
    lon_a = np.ascontiguousarray(lon, dtype=np.float64)
    if lat_a.shape != lon_a.shape or lat_a.ndim != 1:
        raise ValueError("lat and lon must be 1-d arrays of the same length")
    if not (np.isfinite(lat_a).all() and np.isfinite(lon_a).all()):
        raise ValueError("lat and lon must be finite")
    return lat_a, lon_a


def index_points(
    lat: npt.ArrayLike, lon: npt.ArrayLike, res: int
) -> tuple[CellArray, npt.NDArray[np.intp]]:
    """The distinct h3 cells of the points (sorted uint64) and each point's position in them.

    ``cells[inverse]`` equals ``h3.latlng_to_cell`` of every point (as integers).
    """
    lat_a, lon_a = _check(lat, lon, res)
    if len(lat_a) == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.intp)
    lattice, tie = _lattice_keys(lat_a, lon_a, res)
    group, first = _group(lattice)
    to_cell = h3.api.basic_int.latlng_to_cell
    reps = np.fromiter(
        (to_cell(float(lat_a[k]), float(lon_a[k]), res) for k in first.tolist()),
        dtype=np.uint64,
        count=len(first),
    )
    # A representative that was itself a tie would spread a doubtful cell to its group.
    doubtful = np.flatnonzero(tie | tie[first][group])
    singles = np.fromiter(
        (to_cell(float(lat_a[k]), float(lon_a[k]), res) for k in doubtful.tolist()),
        dtype=np.uint64,
        count=len(doubtful),
    )
    cells, where = np.unique(np.concatenate([reps, singles]), return_inverse=True)
    inverse = where[group]
    inverse[doubtful] = where[len(reps) :]
    return cells, inverse.astype(np.intp)


def latlng_to_cells(lat: npt.ArrayLike, lon: npt.ArrayLike, res: int) -> CellArray:
    """h3 cells (as uint64) of points given in degrees; equal to ``h3.latlng_to_cell``."""
    cells, inverse = index_points(lat, lon, res)
    return cells[inverse]


_RES_SHIFT = 52
_RES_MASK = np.uint64(0xF << _RES_SHIFT)


def cell_parents(cells: npt.ArrayLike, res: int) -> CellArray:
    """Parents at ``res`` of valid h3 cells at finer (or equal) resolutions, by bit arithmetic.

    An h3 index keeps its resolution in bits 52–55 and one 3-bit digit per resolution below it
    (unused digits are 7), so the parent is the index with a new resolution and the finer digits
    set to 7 — what ``h3.cell_to_parent`` does, for a whole array at once.
    """
    c = np.asarray(cells, dtype=np.uint64)
    fill = np.uint64((1 << (3 * (15 - res))) - 1)
    return (c & ~_RES_MASK & ~fill) | np.uint64(res << _RES_SHIFT) | fill


def cell_resolutions(cells: npt.ArrayLike) -> npt.NDArray[np.int64]:
    c = np.asarray(cells, dtype=np.uint64)
    return ((c & _RES_MASK) >> np.uint64(_RES_SHIFT)).astype(np.int64)
