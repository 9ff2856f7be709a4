//! The two languages idphoto speaks: which one a report is in, and texts held in both
//! (hints, measured and required values).

use serde::Serialize;

/// The language of hints and labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Chinese.
    Zh,
    /// English.
    #[default]
    En,
}

impl Lang {
    /// Of a Chinese and an English text, the one in this language.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// A short text in both report languages, for the measured and required columns. Numbers and
/// units read the same in both; only the words around them differ. Serialised as the English
/// text: the JSON `text` fields were English before the Chinese existed, and scripts read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    /// English.
    pub en: String,
    /// Chinese.
    pub zh: String,
}

impl Words {
    /// A text that reads the same in both languages (`576×768 px`).
    pub fn same(text: impl Into<String>) -> Self {
        let en = text.into();
        Words { zh: en.clone(), en }
    }

    /// A text in its two wordings.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Words {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// Puts words around the text, each language around its own current wording
    /// (`"0.31"` → `"0.31 open"` / `"睁开 0.31"`).
    pub fn reword(&mut self, en: impl FnOnce(&str) -> String, zh: impl FnOnce(&str) -> String) {
        self.en = en(&self.en);
        self.zh = zh(&self.zh);
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

impl Serialize for Words {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.en)
    }
}

/// A fix-it hint in both languages the report speaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hint {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Hint {
    /// A hint from its two texts.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Hint {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The hint in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}
