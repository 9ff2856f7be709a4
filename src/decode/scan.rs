//! Whether a JPEG's entropy-coded data holds every block its frame header promises.
//!
//! A JPEG cut off mid-image and closed with an end-of-image marker (a download tool's or a
//! repair tool's doing) decodes without complaint: the decoder fills the missing rows with
//! whatever zero bits decode to, a flat band at the bottom, and a "corrected" photo of it would
//! be accepted. libjpeg's `djpeg` calls it "premature end of data segment". This walk decodes
//! only the Huffman codes (no coefficients, no pixels) of every scan and counts the blocks each
//! scan codes before its data runs into a marker.
//!
//! Sequential and progressive Huffman JPEGs are walked (ITU-T T.81 F.2.2 and G.1.2, following
//! libjpeg's `jdhuff.c` and `jdphuff.c`); arithmetic-coded, lossless and hierarchical files are
//! not judged. The walk never rejects a file on its own doubt: a table it cannot build or a code
//! that matches no table ends the walk with [`Verdict::Unknown`], and the decoder decides.

/// What the walk found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Verdict {
    /// Every scan codes every block it should, and every component has all its coefficients.
    Complete,
    /// The data stops early: `coded` of `expected` blocks of the first incomplete scan, or a
    /// component never got a scan (`coded` 0).
    Incomplete { coded: u64, expected: u64 },
    /// Not judged (a coding the walk does not follow, or data it cannot make sense of).
    Unknown,
}

/// The most blocks walked; beyond it (a frame far over the pixel limit) the file is not judged.
const MAX_BLOCKS: u64 = 16_000_000;

#[derive(Debug, Clone, Copy)]
struct Component {
    id: u8,
    h: u32,
    v: u32,
}

#[derive(Debug)]
struct Frame {
    progressive: bool,
    width: u32,
    height: u32,
    components: Vec<Component>,
}

impl Frame {
    fn hmax(&self) -> u32 {
        self.components.iter().map(|c| c.h).max().unwrap_or(1)
    }

    fn vmax(&self) -> u32 {
        self.components.iter().map(|c| c.v).max().unwrap_or(1)
    }

    fn mcus(&self) -> (u32, u32) {
        (
            self.width.div_ceil(8 * self.hmax()),
            self.height.div_ceil(8 * self.vmax()),
        )
    }

    /// Blocks of one component alone (a non-interleaved scan), across and down.
    fn blocks_of(&self, c: &Component) -> (u32, u32) {
        let w = (u64::from(self.width) * u64::from(c.h)).div_ceil(u64::from(self.hmax()));
        let h = (u64::from(self.height) * u64::from(c.v)).div_ceil(u64::from(self.vmax()));
        (w.div_ceil(8) as u32, h.div_ceil(8) as u32)
    }

    /// Row stride of a component's block grid, padded to whole MCUs.
    fn stride_of(&self, c: &Component) -> usize {
        self.mcus().0 as usize * c.h as usize
    }
}

/// A Huffman table: codes up to 9 bits by lookup, longer ones canonically (`jdhuff.c`).
#[derive(Debug, Clone)]
struct Huffman {
    /// Indexed by the next 9 bits: (code length, symbol); length 0 = longer code.
    fast: Vec<(u8, u8)>,
    /// Per length 1..=16: the largest code of that length (-1 if none), and the index in
    /// `symbols` of its smallest code minus that code.
    max_code: [i32; 17],
    offset: [i32; 17],
    symbols: Vec<u8>,
}

const FAST_BITS: u32 = 9;

impl Huffman {
    fn new(counts: &[u8; 16], symbols: &[u8]) -> Option<Huffman> {
        let mut fast = vec![(0u8, 0u8); 1 << FAST_BITS];
        let mut max_code = [-1i32; 17];
        let mut offset = [0i32; 17];
        let mut code: u32 = 0;
        let mut k = 0usize;
        for len in 1..=16u32 {
            let n = usize::from(counts[len as usize - 1]);
            offset[len as usize] = k as i32 - code as i32;
            for _ in 0..n {
                let symbol = *symbols.get(k)?;
                if code >= 1 << len {
                    return None; // more codes than this length holds
                }
                if len <= FAST_BITS {
                    let shift = FAST_BITS - len;
                    let first = (code << shift) as usize;
                    for slot in &mut fast[first..first + (1 << shift)] {
                        *slot = (len as u8, symbol);
                    }
                }
                code += 1;
                k += 1;
            }
            if n > 0 {
                max_code[len as usize] = code as i32 - 1;
            }
            code <<= 1;
        }
        Some(Huffman {
            fast,
            max_code,
            offset,
            symbols: symbols[..k].to_vec(),
        })
    }
}

/// Why a walk of one scan stopped early.
enum Stop {
    /// The data ran into a marker (or the end of the file) while codes were still needed.
    OutOfData,
    /// A code matched no table, or a value made no sense: corrupt, not judged here.
    Corrupt,
}

/// Reads entropy-coded bits, undoing byte stuffing (`FF 00`), up to the next marker.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    acc: u64,
    n: u32,
    /// `pos` is at a marker (or the end): no more data bytes until it is passed.
    at_marker: bool,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8], pos: usize) -> Self {
        Bits {
            data,
            pos,
            acc: 0,
            n: 0,
            at_marker: false,
        }
    }

    fn fill(&mut self) {
        while self.n <= 56 && !self.at_marker {
            match self.data.get(self.pos) {
                None => self.at_marker = true,
                Some(&0xFF) => {
                    if self.data.get(self.pos + 1) == Some(&0x00) {
                        self.acc = (self.acc << 8) | 0xFF;
                        self.n += 8;
                        self.pos += 2;
                    } else {
                        self.at_marker = true;
                    }
                }
                Some(&b) => {
                    self.acc = (self.acc << 8) | u64::from(b);
                    self.n += 8;
                    self.pos += 1;
                }
            }
        }
    }

    /// The next 16 bits, padded with ones past the data (as encoders pad the last byte).
    fn peek16(&mut self) -> u32 {
        self.fill();
        if self.n >= 16 {
            ((self.acc >> (self.n - 16)) & 0xFFFF) as u32
        } else {
            let have = (self.acc & ((1u64 << self.n) - 1)) as u32;
            (have << (16 - self.n)) | ((1 << (16 - self.n)) - 1)
        }
    }

    fn consume(&mut self, bits: u32) -> Result<(), Stop> {
        if bits > self.n {
            self.fill();
            if bits > self.n {
                return Err(Stop::OutOfData);
            }
        }
        self.n -= bits;
        Ok(())
    }

    /// The next code of `table`, with the value bits its symbol's low four bits count passed
    /// unread (an AC coefficient's run and size, then its value): [`Bits::decode`] then
    /// [`Bits::skip`], in one step where the accumulator holds both.
    fn decode_and_skip_value(&mut self, table: &Huffman) -> Result<u8, Stop> {
        self.fill();
        // A code of up to FAST_BITS bits and a value of up to 15 fit in 32.
        if self.n >= 32 {
            let next = (self.acc >> (self.n - FAST_BITS)) as usize & ((1 << FAST_BITS) - 1);
            let (len, symbol) = table.fast[next];
            if len > 0 {
                self.n -= u32::from(len) + u32::from(symbol & 15);
                return Ok(symbol);
            }
        }
        let symbol = self.decode(table)?;
        self.skip(u32::from(symbol & 15))?;
        Ok(symbol)
    }

    /// Passes the next `bits` bits unread (a coefficient's value: only the codes count here).
    fn skip(&mut self, bits: u32) -> Result<(), Stop> {
        self.consume(bits)
    }

    fn read(&mut self, bits: u32) -> Result<u32, Stop> {
        if bits == 0 {
            return Ok(0);
        }
        let value = self.peek16() >> (16 - bits);
        self.consume(bits)?;
        Ok(value)
    }

    fn decode(&mut self, table: &Huffman) -> Result<u8, Stop> {
        let peek = self.peek16();
        let (len, symbol) = table.fast[(peek >> (16 - FAST_BITS)) as usize];
        if len > 0 {
            self.consume(u32::from(len))?;
            return Ok(symbol);
        }
        for len in FAST_BITS + 1..=16 {
            let code = (peek >> (16 - len)) as i32;
            if code <= table.max_code[len as usize] {
                let index = usize::try_from(code + table.offset[len as usize])
                    .map_err(|_| Stop::Corrupt)?;
                let symbol = *table.symbols.get(index).ok_or(Stop::Corrupt)?;
                self.consume(len)?;
                return Ok(symbol);
            }
        }
        // All ones past the end of the data match no code: the data ended.
        if self.at_marker && self.n < 16 {
            return Err(Stop::OutOfData);
        }
        Err(Stop::Corrupt)
    }

    /// At a restart interval's end: drops the padding bits and passes the `RSTn` marker. Any
    /// other marker there means the data ended early.
    fn restart(&mut self) -> Result<(), Stop> {
        self.n = 0;
        self.acc = 0;
        // Data bytes before the marker are left-overs of a damaged interval: skipped, as libjpeg
        // does.
        while let Some(&byte) = self.data.get(self.pos) {
            if byte == 0xFF && !matches!(self.data.get(self.pos + 1), Some(0x00) | Some(0xFF)) {
                break;
            }
            self.pos += 1;
        }
        match self.data.get(self.pos..self.pos + 2) {
            Some([0xFF, m]) if (0xD0..=0xD7).contains(m) => {
                self.pos += 2;
                self.at_marker = false;
                Ok(())
            }
            _ => Err(Stop::OutOfData),
        }
    }
}

/// One scan's parameters (SOS).
struct Scan {
    /// Per component in the scan: index into the frame's components, DC table, AC table.
    components: Vec<(usize, usize, usize)>,
    ss: u8,
    se: u8,
    ah: u8,
}

/// Walks every scan of a JPEG (the whole file, from SOI).
pub(super) fn walk(b: &[u8]) -> Verdict {
    let mut frame: Option<Frame> = None;
    let mut dc: [Option<Huffman>; 4] = Default::default();
    let mut ac: [Option<Huffman>; 4] = Default::default();
    let mut restart_interval = 0u32;
    // Per component: whether a DC scan was seen, and for progressive files which coefficients
    // of each block are non-zero so far (refinement scans depend on it).
    let mut dc_seen: Vec<bool> = Vec::new();
    // Per component of a progressive file: which AC coefficients a first scan has coded.
    let mut ac_seen: Vec<u64> = Vec::new();
    let mut nonzero: Vec<Vec<u64>> = Vec::new();
    let mut i = 2;
    loop {
        // Markers may be preceded by any number of fill bytes.
        while b.get(i) == Some(&0xFF) && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let Some(&[0xFF, marker]) = b.get(i..i + 2) else {
            return Verdict::Unknown;
        };
        match marker {
            0xD9 => break,
            0x01 | 0xD0..=0xD7 => {
                i += 2;
                continue;
            }
            _ => {}
        }
        let Some(len) = b
            .get(i + 2..i + 4)
            .map(|s| usize::from(u16::from_be_bytes([s[0], s[1]])))
        else {
            return Verdict::Unknown;
        };
        let Some(seg) = b.get(i + 4..i + 2 + len).filter(|_| len >= 2) else {
            // A segment running past the end of the file after the frame header: cut off
            // between scans (the end-of-image marker appended lies inside it).
            return match (&frame, len >= 2 && i + 2 + len > b.len()) {
                (Some(f), true) => {
                    let (mx, my) = f.mcus();
                    Verdict::Incomplete {
                        coded: 0,
                        expected: u64::from(mx) * u64::from(my),
                    }
                }
                _ => Verdict::Unknown,
            };
        };
        let next = i + 2 + len;
        match marker {
            0xC0..=0xC2 => {
                let Some(f) = parse_frame(seg, marker == 0xC2) else {
                    return Verdict::Unknown;
                };
                let (mx, my) = f.mcus();
                let blocks: u64 = f
                    .components
                    .iter()
                    .map(|c| u64::from(mx * c.h) * u64::from(my * c.v))
                    .sum();
                if blocks == 0 || blocks > MAX_BLOCKS {
                    return Verdict::Unknown;
                }
                dc_seen = vec![false; f.components.len()];
                ac_seen = vec![0; f.components.len()];
                nonzero = if f.progressive {
                    f.components
                        .iter()
                        .map(|c| vec![0u64; (mx * c.h) as usize * (my * c.v) as usize])
                        .collect()
                } else {
                    Vec::new()
                };
                frame = Some(f);
            }
            // Other frames: lossless, hierarchical or arithmetic-coded.
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => return Verdict::Unknown,
            // The tables are parsed in the guard; a bad one ends the walk.
            0xC4 if !parse_tables(seg, &mut dc, &mut ac) => return Verdict::Unknown,
            0xDD if seg.len() >= 2 => {
                restart_interval = u32::from(u16::from_be_bytes([seg[0], seg[1]]));
            }
            0xDA => {
                let Some(f) = frame.as_ref() else {
                    return Verdict::Unknown;
                };
                let Some(scan) = parse_scan(seg, f) else {
                    return Verdict::Unknown;
                };
                let mut bits = Bits::new(b, next);
                let walked = walk_scan(
                    &mut bits,
                    f,
                    &scan,
                    &dc,
                    &ac,
                    restart_interval,
                    &mut nonzero,
                );
                match walked {
                    Ok(()) => {}
                    Err((Stop::OutOfData, coded, expected)) => {
                        return Verdict::Incomplete { coded, expected }
                    }
                    Err((Stop::Corrupt, ..)) => return Verdict::Unknown,
                }
                if scan.ah == 0 {
                    for &(c, _, _) in &scan.components {
                        if scan.ss == 0 {
                            dc_seen[c] = true;
                        } else {
                            ac_seen[c] |= (u64::MAX >> (63 - scan.se)) & (u64::MAX << scan.ss);
                        }
                    }
                }
                // Past any bits left in this scan to the marker after it.
                let mut j = bits.pos;
                while j + 1 < b.len()
                    && !(b[j] == 0xFF && b[j + 1] != 0x00 && !(0xD0..=0xD7).contains(&b[j + 1]))
                {
                    j += 1;
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i = next;
    }
    let Some(f) = frame else {
        return Verdict::Unknown;
    };
    // Encoders code every coefficient of every component; a progressive file cut between two
    // scans lacks the later ones (a blurred image, or a grey one without DC).
    let ac_complete = !f.progressive || ac_seen.iter().all(|&m| m | 1 == u64::MAX);
    if dc_seen.iter().all(|&seen| seen) && ac_complete {
        return Verdict::Complete;
    }
    let (mx, my) = f.mcus();
    Verdict::Incomplete {
        coded: 0,
        expected: u64::from(mx) * u64::from(my),
    }
}

fn parse_frame(seg: &[u8], progressive: bool) -> Option<Frame> {
    let height = u32::from(u16::from_be_bytes([*seg.get(1)?, *seg.get(2)?]));
    let width = u32::from(u16::from_be_bytes([*seg.get(3)?, *seg.get(4)?]));
    let n = usize::from(*seg.get(5)?);
    if width == 0 || height == 0 || n == 0 || n > 4 {
        return None; // height 0 is defined later by a DNL marker: not judged
    }
    let mut components = Vec::with_capacity(n);
    for k in 0..n {
        let at = 6 + 3 * k;
        let sampling = *seg.get(at + 1)?;
        let (h, v) = (u32::from(sampling >> 4), u32::from(sampling & 15));
        if !(1..=4).contains(&h) || !(1..=4).contains(&v) {
            return None;
        }
        components.push(Component {
            id: *seg.get(at)?,
            h,
            v,
        });
    }
    Some(Frame {
        progressive,
        width,
        height,
        components,
    })
}

fn parse_tables(
    mut seg: &[u8],
    dc: &mut [Option<Huffman>; 4],
    ac: &mut [Option<Huffman>; 4],
) -> bool {
    while !seg.is_empty() {
        let Some(counts) = seg.get(1..17) else {
            return false;
        };
        let counts: [u8; 16] = counts.try_into().unwrap_or([0; 16]);
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        let Some(symbols) = seg.get(17..17 + total) else {
            return false;
        };
        let (class, id) = (seg[0] >> 4, usize::from(seg[0] & 15));
        if id > 3 || class > 1 {
            return false;
        }
        let Some(table) = Huffman::new(&counts, symbols) else {
            return false;
        };
        if class == 0 {
            dc[id] = Some(table);
        } else {
            ac[id] = Some(table);
        }
        seg = &seg[17 + total..];
    }
    true
}

fn parse_scan(seg: &[u8], frame: &Frame) -> Option<Scan> {
    let n = usize::from(*seg.first()?);
    if n == 0 || n > 4 {
        return None;
    }
    let mut components = Vec::with_capacity(n);
    for k in 0..n {
        let id = *seg.get(1 + 2 * k)?;
        let tables = *seg.get(2 + 2 * k)?;
        let index = frame.components.iter().position(|c| c.id == id)?;
        let (td, ta) = (usize::from(tables >> 4), usize::from(tables & 15));
        if td > 3 || ta > 3 {
            return None;
        }
        components.push((index, td, ta));
    }
    let at = 1 + 2 * n;
    let (ss, se, a) = (*seg.get(at)?, *seg.get(at + 1)?, *seg.get(at + 2)?);
    let scan = Scan {
        components,
        ss,
        se,
        ah: a >> 4,
    };
    let valid = if frame.progressive {
        // DC scans may interleave; AC scans code one component.
        (ss == 0 && se == 0) || (ss >= 1 && ss <= se && se <= 63 && n == 1)
    } else {
        ss == 0 && se == 63 && scan.ah == 0
    };
    valid.then_some(scan)
}

/// How one block is coded in a scan.
#[derive(Clone, Copy)]
enum Coding {
    Sequential,
    DcFirst,
    DcRefine,
    AcFirst,
    AcRefine,
}

/// Walks one scan; on a stop, how many blocks were coded of how many expected.
fn walk_scan(
    bits: &mut Bits<'_>,
    frame: &Frame,
    scan: &Scan,
    dc: &[Option<Huffman>; 4],
    ac: &[Option<Huffman>; 4],
    restart_interval: u32,
    nonzero: &mut [Vec<u64>],
) -> Result<(), (Stop, u64, u64)> {
    let coding = match (frame.progressive, scan.ss, scan.ah) {
        (false, ..) => Coding::Sequential,
        (true, 0, 0) => Coding::DcFirst,
        (true, 0, _) => Coding::DcRefine,
        (true, _, 0) => Coding::AcFirst,
        (true, _, _) => Coding::AcRefine,
    };
    // The blocks of one MCU, as (component, column, row offsets within the MCU).
    let interleaved = scan.components.len() > 1;
    let (units_x, units_y) = if interleaved {
        frame.mcus()
    } else {
        frame.blocks_of(&frame.components[scan.components[0].0])
    };
    let per_unit: u64 = if interleaved {
        scan.components
            .iter()
            .map(|&(c, ..)| u64::from(frame.components[c].h * frame.components[c].v))
            .sum()
    } else {
        1
    };
    let expected = u64::from(units_x) * u64::from(units_y) * per_unit;
    let strides: Vec<usize> = frame
        .components
        .iter()
        .map(|c| frame.stride_of(c))
        .collect();
    let mut coded = 0u64;
    let mut eobrun = 0u32;
    let stop = |s: Stop, coded: u64| (s, coded, expected);
    for uy in 0..units_y {
        for ux in 0..units_x {
            let unit = u64::from(uy) * u64::from(units_x) + u64::from(ux);
            if restart_interval > 0 && unit > 0 && unit % u64::from(restart_interval) == 0 {
                bits.restart().map_err(|s| stop(s, coded))?;
                eobrun = 0;
            }
            for &(c, td, ta) in &scan.components {
                let comp = &frame.components[c];
                let (bw, bh, x0, y0) = if interleaved {
                    (comp.h, comp.v, ux * comp.h, uy * comp.v)
                } else {
                    (1, 1, ux, uy)
                };
                for by in 0..bh {
                    for bx in 0..bw {
                        let block = (y0 + by) as usize * strides[c] + (x0 + bx) as usize;
                        let mask = match nonzero.get_mut(c) {
                            Some(m) => m.get_mut(block),
                            None => None,
                        };
                        let result = match coding {
                            Coding::Sequential => {
                                sequential(bits, dc[td].as_ref(), ac[ta].as_ref())
                            }
                            Coding::DcFirst => dc_first(bits, dc[td].as_ref()),
                            Coding::DcRefine => bits.skip(1),
                            Coding::AcFirst => match (ac[ta].as_ref(), mask) {
                                (Some(t), Some(m)) => ac_first(bits, t, scan, &mut eobrun, m),
                                _ => Err(Stop::Corrupt),
                            },
                            Coding::AcRefine => match (ac[ta].as_ref(), mask) {
                                (Some(t), Some(m)) => ac_refine(bits, t, scan, &mut eobrun, m),
                                _ => Err(Stop::Corrupt),
                            },
                        };
                        result.map_err(|s| stop(s, coded))?;
                        coded += 1;
                    }
                }
            }
        }
    }
    Ok(())
}

fn sequential(bits: &mut Bits<'_>, dc: Option<&Huffman>, ac: Option<&Huffman>) -> Result<(), Stop> {
    let (Some(dc), Some(ac)) = (dc, ac) else {
        return Err(Stop::Corrupt);
    };
    dc_first(bits, Some(dc))?;
    let mut k = 1;
    while k < 64 {
        let rs = bits.decode_and_skip_value(ac)?;
        let (r, s) = (u32::from(rs >> 4), u32::from(rs & 15));
        if s == 0 {
            if r != 15 {
                return Ok(());
            }
            k += 16;
            continue;
        }
        k += r + 1;
    }
    Ok(())
}

fn dc_first(bits: &mut Bits<'_>, dc: Option<&Huffman>) -> Result<(), Stop> {
    let dc = dc.ok_or(Stop::Corrupt)?;
    let s = u32::from(bits.decode(dc)?);
    if s > 16 {
        return Err(Stop::Corrupt);
    }
    bits.skip(s)
}

fn ac_first(
    bits: &mut Bits<'_>,
    ac: &Huffman,
    scan: &Scan,
    eobrun: &mut u32,
    mask: &mut u64,
) -> Result<(), Stop> {
    if *eobrun > 0 {
        *eobrun -= 1;
        return Ok(());
    }
    let mut k = u32::from(scan.ss);
    while k <= u32::from(scan.se) {
        let rs = bits.decode(ac)?;
        let (r, s) = (u32::from(rs >> 4), u32::from(rs & 15));
        if s == 0 {
            if r < 15 {
                *eobrun = (1 << r) - 1 + bits.read(r)?;
                return Ok(());
            }
            k += 16;
            continue;
        }
        k += r;
        bits.skip(s)?;
        if k < 64 {
            *mask |= 1 << k;
        }
        k += 1;
    }
    Ok(())
}

fn ac_refine(
    bits: &mut Bits<'_>,
    ac: &Huffman,
    scan: &Scan,
    eobrun: &mut u32,
    mask: &mut u64,
) -> Result<(), Stop> {
    let (ss, se) = (u32::from(scan.ss), u32::from(scan.se));
    let mut k = ss;
    if *eobrun == 0 {
        while k <= se {
            let rs = bits.decode(ac)?;
            let (mut r, s) = (u32::from(rs >> 4), u32::from(rs & 15));
            let mut new_coefficient = false;
            if s != 0 {
                if s != 1 {
                    return Err(Stop::Corrupt);
                }
                bits.skip(1)?;
                new_coefficient = true;
            } else if r != 15 {
                *eobrun = (1 << r) + bits.read(r)?;
                break;
            }
            // Past coefficients already non-zero (each takes a correction bit) and `r` zero ones.
            while k <= se {
                if *mask & (1 << k) != 0 {
                    bits.skip(1)?;
                } else {
                    if r == 0 {
                        break;
                    }
                    r -= 1;
                }
                k += 1;
            }
            if new_coefficient && k <= se {
                *mask |= 1 << k;
            }
            k += 1;
        }
    }
    if *eobrun > 0 {
        while k <= se {
            if *mask & (1 << k) != 0 {
                bits.skip(1)?;
            }
            k += 1;
        }
        *eobrun -= 1;
    }
    Ok(())
}
