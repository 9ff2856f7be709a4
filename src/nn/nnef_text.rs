//! Reading the shipped NNEF archives without tract's text parser.
//!
//! tract 0.23 parses `graph.nnef` with backtracking parser combinators that try every nested
//! value twice (once as the start of a subscript): its 68 kB iris graph took 41 ms to read, a
//! third of loading that network. The graphs tract writes use a small part of NNEF's syntax: version,
//! extensions, fragment declarations, and assignments of invocations, identifiers, literals,
//! arrays and tuples. This module reads that part in one pass and builds the same
//! `tract_nnef::ast::Document`; anything else (operators, subscripts, comprehensions, ...) makes
//! it give up, and the caller falls back on tract's own reader. The unit tests check that each
//! shipped file gives the document and tensors tract's reader gives.

use std::collections::HashMap;
use std::sync::Arc;
use tract_nnef::ast::{
    Argument, Assignment, Document, FragmentDecl, FragmentDef, GraphDef, Identifier, Invocation,
    LValue, Literal, Parameter, ProtoModel, RValue, Result_, TypeName, TypeSpec,
};
use tract_nnef::prelude::Tensor;

/// The files of a plain ustar archive (as tract writes them), by name; `None` for anything
/// else (long names, links, a truncated file).
pub(super) fn tar_files(tar: &[u8]) -> Option<Vec<(&str, &[u8])>> {
    let mut files = Vec::new();
    let mut at = 0;
    while at + 512 <= tar.len() && tar[at] != 0 {
        let header = &tar[at..at + 512];
        let field = |range: std::ops::Range<usize>| {
            std::str::from_utf8(&header[range])
                .ok()
                .map(|t| t.trim_end_matches('\0'))
        };
        let name = field(0..100)?;
        let size = usize::from_str_radix(field(124..136)?.trim_matches(' '), 8).ok()?;
        // A regular file, its whole name in the name field (a POSIX header may put the start
        // of a long name in a prefix field; tract writes GNU headers, which have none).
        let posix = &header[257..263] == b"ustar\0";
        if !matches!(header[156], b'0' | 0) || (posix && !field(345..500)?.is_empty()) {
            return None;
        }
        let data = tar.get(at + 512..at + 512 + size)?;
        files.push((name.strip_prefix("./").unwrap_or(name), data));
        at += 512 + size.div_ceil(512) * 512;
    }
    Some(files)
}

/// The proto model of an NNEF archive holding only `graph.nnef` and `.dat` tensors, as tract's
/// `proto_model_for_read` makes it; `None` when the archive or its text falls outside what
/// this module reads.
pub(super) fn proto_model(tar: &[u8]) -> Option<ProtoModel> {
    let mut doc = None;
    let mut tensors = HashMap::new();
    for (name, data) in tar_files(tar)? {
        if name == "graph.nnef" {
            doc = Some(parse_document(std::str::from_utf8(data).ok()?)?);
        } else if let Some(id) = name.strip_suffix(".dat") {
            let tensor: Tensor = tract_nnef::tensors::read_tensor(data).ok()?;
            tensors.insert(Identifier(id.to_string()), Arc::new(tensor));
        } else {
            return None;
        }
    }
    Some(ProtoModel {
        doc: doc?,
        tensors,
        quantization: None,
        resources: HashMap::new(),
    })
}

/// A `graph.nnef` text as tract's `parse_document` reads it, or `None` if it uses syntax
/// beyond what tract writes for these networks.
pub(super) fn parse_document(text: &str) -> Option<Document> {
    let mut p = Parser { s: text, i: 0 };
    p.keyword("version")?;
    let version = p.number()?;
    p.expect(";")?;
    let mut extension = Vec::new();
    while p.at("extension") {
        p.keyword("extension")?;
        let id = p.identifier()?;
        p.ws();
        let end = p.rest().find(';')?;
        extension.push((id, p.rest()[..end].to_string()));
        p.i += end;
        p.expect(";")?;
    }
    let mut fragments = Vec::new();
    while p.at("fragment") {
        fragments.push(p.fragment()?);
    }
    p.keyword("graph")?;
    let id = p.identifier()?;
    p.expect("(")?;
    let parameters = p.list(")", Parser::identifier)?;
    p.expect("->")?;
    p.expect("(")?;
    let results = p.list(")", Parser::identifier)?;
    let body = p.body()?;
    p.ws();
    p.rest().is_empty().then_some(Document {
        version,
        extension,
        fragments,
        graph_def: GraphDef {
            id,
            parameters,
            results,
            body,
        },
    })
}

struct Parser<'s> {
    s: &'s str,
    i: usize,
}

impl<'s> Parser<'s> {
    fn rest(&self) -> &'s str {
        &self.s[self.i..]
    }

    /// Skips blanks and `#` comments, as tract's parser allows around every token.
    fn ws(&mut self) {
        loop {
            let rest = self.rest();
            if rest.starts_with([' ', '\t', '\n', '\r']) {
                self.i += 1;
            } else if rest.starts_with('#') {
                self.i += rest.find(['\r', '\n']).unwrap_or(rest.len());
            } else {
                return;
            }
        }
    }

    /// Whether the next token starts with `t`.
    fn at(&mut self, t: &str) -> bool {
        self.ws();
        self.rest().starts_with(t)
    }

    /// Consumes `t` (and the blanks around it) if it comes next.
    fn eat(&mut self, t: &str) -> bool {
        let found = self.at(t);
        if found {
            self.i += t.len();
            self.ws();
        }
        found
    }

    fn expect(&mut self, t: &str) -> Option<()> {
        self.eat(t).then_some(())
    }

    /// A keyword: `t` not followed by more of a word.
    fn keyword(&mut self, t: &str) -> Option<()> {
        self.ws();
        let rest = self.rest();
        let next = rest.as_bytes().get(t.len()).copied().unwrap_or(b' ');
        (rest.starts_with(t) && !(next.is_ascii_alphanumeric() || next == b'_')).then_some(())?;
        self.expect(t)
    }

    /// A word of NNEF's identifier syntax: `[A-Za-z_][A-Za-z0-9_]*`.
    fn word(&mut self) -> Option<&'s str> {
        self.ws();
        let rest = self.rest();
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return None;
        }
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        self.i += len;
        Some(&rest[..len])
    }

    /// An identifier, plain or escaped (`i"any text"`).
    fn identifier(&mut self) -> Option<Identifier> {
        self.ws();
        if self.rest().starts_with("i\"") || self.rest().starts_with("i'") {
            self.i += 1;
            return self.string().map(Identifier);
        }
        self.word().map(|w| Identifier(w.to_string()))
    }

    /// A quoted string: a backslash keeps the character after it, and neither quote may
    /// appear unescaped inside (tract's rule).
    fn string(&mut self) -> Option<String> {
        self.ws();
        let mut chars = self.rest().char_indices();
        let quote = match chars.next() {
            Some((_, q @ ('"' | '\''))) => q,
            _ => return None,
        };
        let mut out = String::new();
        while let Some((at, c)) = chars.next() {
            match c {
                '\\' => out.push(chars.next()?.1),
                '"' | '\'' if c == quote => {
                    self.i += at + 1;
                    return Some(out);
                }
                '"' | '\'' => return None,
                _ => out.push(c),
            }
        }
        None
    }

    /// A number as written: `-?(digits|inf)(.digits*)?([eE][+-]?digits)?`.
    fn number(&mut self) -> Option<String> {
        self.ws();
        let b = self.rest().as_bytes();
        let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
        let mut n = usize::from(b.first() == Some(&b'-'));
        match digits(n) {
            0 if b[n..].starts_with(b"inf") => n += 3,
            0 => return None,
            d => n += d,
        }
        if b.get(n) == Some(&b'.') {
            n += 1 + digits(n + 1);
        }
        if matches!(b.get(n), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(b.get(n + 1), Some(b'+' | b'-')));
            let d = digits(n + 1 + sign);
            if d > 0 {
                n += 1 + sign + d;
            }
        }
        let text = self.rest()[..n].to_string();
        self.i += n;
        Some(text)
    }

    /// `open` already consumed: items separated by commas up to `close`.
    fn list<T>(
        &mut self,
        close: &str,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        let mut items = Vec::new();
        if self.eat(close) {
            return Some(items);
        }
        loop {
            items.push(item(self)?);
            if !self.eat(",") {
                self.expect(close)?;
                return Some(items);
            }
        }
    }

    fn type_name(&mut self) -> Option<TypeName> {
        let names = [
            ("integer", TypeName::Integer),
            ("scalar", TypeName::Scalar),
            ("logical", TypeName::Logical),
            ("string", TypeName::String),
            ("?", TypeName::Any),
        ];
        names
            .into_iter()
            .find(|(t, _)| self.eat(t))
            .map(|(_, name)| name)
    }

    fn type_spec(&mut self) -> Option<TypeSpec> {
        let single = if self.eat("(") {
            TypeSpec::Tuple(self.list(")", Parser::type_spec)?)
        } else if let Some(name) = self.type_name() {
            TypeSpec::Single(name)
        } else {
            self.expect("tensor")?;
            self.expect("<")?;
            let name = self.type_name()?;
            self.expect(">")?;
            TypeSpec::Tensor(name)
        };
        if self.eat("[") {
            self.expect("]")?;
            if self.at("[") {
                return None;
            }
            return Some(TypeSpec::Array(Box::new(single)));
        }
        Some(single)
    }

    fn fragment(&mut self) -> Option<FragmentDef> {
        self.keyword("fragment")?;
        let id = self.identifier()?;
        let generic_decl = if self.eat("<") {
            self.expect("?")?;
            let name = if self.eat("=") {
                Some(self.type_name()?)
            } else {
                None
            };
            self.expect(">")?;
            Some(name)
        } else {
            None
        };
        self.expect("(")?;
        let parameters = self.list(")", |p| {
            let id = p.identifier()?;
            p.expect(":")?;
            let spec = p.type_spec()?;
            let lit = if p.eat("=") {
                Some(p.literal_expr()?)
            } else {
                None
            };
            Some(Parameter {
                id,
                spec,
                lit,
                doc: None,
            })
        })?;
        self.expect("->")?;
        self.expect("(")?;
        let results = self.list(")", |p| {
            let id = p.identifier()?;
            p.expect(":")?;
            Some(Result_ {
                id,
                spec: p.type_spec()?,
            })
        })?;
        let body = if self.eat(";") {
            None
        } else {
            Some(self.body()?)
        };
        Some(FragmentDef {
            decl: FragmentDecl {
                id,
                generic_decl,
                parameters,
                results,
            },
            body,
        })
    }

    /// A parameter's default: a literal, or an array or tuple of literals.
    fn literal_expr(&mut self) -> Option<Literal> {
        if self.eat("[") {
            Some(Literal::Array(self.list("]", Parser::literal)?))
        } else if self.eat("(") {
            Some(Literal::Tuple(self.list(")", Parser::literal)?))
        } else {
            self.literal()
        }
    }

    /// A number, string or logical literal.
    fn literal(&mut self) -> Option<Literal> {
        self.ws();
        let rest = self.rest();
        if rest.starts_with(|c: char| c.is_ascii_digit() || c == '-') || rest.starts_with("inf") {
            let number = self.number()?;
            return self.word_ends().then_some(Literal::Numeric(number));
        }
        if rest.starts_with(['"', '\'']) {
            return self.string().map(Literal::String);
        }
        match self.word()? {
            "true" => Some(Literal::Logical(true)),
            "false" => Some(Literal::Logical(false)),
            _ => None,
        }
    }

    /// Whether the token just read is not glued to more of a word (tract would then fail).
    fn word_ends(&self) -> bool {
        !self
            .rest()
            .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    }

    fn body(&mut self) -> Option<Vec<Assignment>> {
        self.expect("{")?;
        let mut body = Vec::new();
        while !self.eat("}") {
            // Names separated by commas (several make a tuple), then `=` (not `==`).
            let mut left = vec![LValue::Identifier(self.identifier()?)];
            while self.eat(",") {
                left.push(LValue::Identifier(self.identifier()?));
            }
            if self.at("==") {
                return None;
            }
            self.expect("=")?;
            let left = if left.len() == 1 {
                left.remove(0)
            } else {
                LValue::Tuple(left)
            };
            let right = self.rvalue()?;
            self.expect(";")?;
            body.push(Assignment { left, right });
        }
        Some(body)
    }

    /// A value followed by what may end one here (`,`, `)`, `]` or `;`): operators,
    /// subscripts and conditionals are left to tract's parser.
    fn rvalue(&mut self) -> Option<RValue> {
        let value = self.atom()?;
        self.ws();
        self.rest()
            .starts_with([',', ')', ']', ';'])
            .then_some(value)
    }

    fn atom(&mut self) -> Option<RValue> {
        self.ws();
        let rest = self.rest();
        if self.eat("(") {
            let mut items = self.list(")", Parser::rvalue)?;
            return Some(if items.len() == 1 {
                items.remove(0)
            } else {
                RValue::Tuple(items)
            });
        }
        if self.eat("[") {
            return Some(RValue::Array(self.list("]", Parser::rvalue)?));
        }
        if rest.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '"' || c == '\'') {
            return self.literal().map(RValue::Literal);
        }
        let start = self.i;
        let id = self.identifier()?;
        // An invocation: a name, perhaps a type (`variable<scalar>`), then its arguments.
        let generic_type_name = if self.eat("<") {
            let name = self.type_name()?;
            self.expect(">")?;
            Some(name)
        } else {
            None
        };
        if self.eat("(") {
            let arguments = self.list(")", |p| {
                p.ws();
                let before = p.i;
                let named = p.identifier().filter(|_| p.at("=") && !p.at("=="));
                let id = match named {
                    Some(id) => {
                        p.expect("=")?;
                        Some(id)
                    }
                    None => {
                        p.i = before;
                        None
                    }
                };
                Some(Argument {
                    id,
                    rvalue: p.rvalue()?,
                })
            })?;
            return Some(RValue::Invocation(Invocation {
                id,
                generic_type_name,
                arguments,
            }));
        }
        if generic_type_name.is_some() {
            return None;
        }
        // Not an invocation: tract reads `true`, `false` and `inf` (even as the start of a
        // longer word) as literals before identifiers.
        if ["true", "false", "inf"].iter().any(|w| id.0.starts_with(w)) {
            self.i = start;
            return self.literal().map(RValue::Literal);
        }
        Some(RValue::Identifier(id))
    }
}
