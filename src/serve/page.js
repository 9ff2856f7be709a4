// The page of `idphoto serve`: pick a city and document, send a photo to /v1/check, show the
// report. No framework and nothing fetched from elsewhere: the page works offline.
"use strict";

const TEXT = {
  zh: {
    other: "English",
    tagline: "证件照检查：按所在城市的官方规格逐项检查照片，并生成合格的照片。",
    find: "城市和证件（可输入拼音、中文或英文搜索）",
    background: "背景色",
    sheet: "冲印排版",
    no_sheet: "不需要",
    inch6: "6 寸",
    inch5: "5 寸",
    drop: "把照片拖到这里，或者：",
    pick: "选择照片",
    camera: "用相机拍摄",
    privacy: "照片只在这台服务器的内存里检查，不保存、不上传到别处。",
    preview: "标注：红色为检测到的脸部位置，蓝色为裁剪范围，绿色为规格允许的范围。",
    download: "下载合格照片",
    download_sheet: "下载冲印排版",
    th_check: "检查项",
    th_status: "结果",
    th_measured: "测量值",
    th_required: "要求",
    th_hint: "建议",
    th_reason: "官方不合格原因",
    footer: "idphoto：离线运行，规格来源见各城市规格文件。",
    checking: "正在检查…",
    pass: "合格",
    fail: "不合格",
    error: "无法检查",
    warn: "注意",
    na: "—",
    written: "已生成合格照片，下载前请再看一眼。",
    not_possible: "无法自动修正：",
    no_face: "没有找到唯一的一张人脸，无法修正。",
    failed: "修正失败：",
    still_failing: "修正后仍需重拍解决：",
    not_judged: "未判断，请自行检查：",
    heic: "HEIC 照片无法读取：先导出为 JPEG（iPhone：设置 › 相机 › 格式 › 兼容性最佳）。",
    too_large: "文件过大（超过 {mb} MB）：先用相册导出一份较小的 JPEG。",
    no_spec: "请先选择城市和证件。",
    network: "连接服务器失败：",
  },
  en: {
    other: "中文",
    tagline: "ID photo check: every rule of your city's official spec, and a photo that meets them.",
    find: "City and document (search by id, Chinese or English name)",
    background: "Background",
    sheet: "Print sheet",
    no_sheet: "none",
    inch6: "6-inch",
    inch5: "5-inch",
    drop: "Drop a photo here, or:",
    pick: "Choose photo",
    camera: "Take photo",
    privacy: "The photo is checked in this server's memory only: not stored, not sent anywhere else.",
    preview: "Red: the face as detected; blue: the crop; green: the bands the spec allows.",
    download: "Download corrected photo",
    download_sheet: "Download print sheet",
    th_check: "Check",
    th_status: "Result",
    th_measured: "Measured",
    th_required: "Required",
    th_hint: "Hint",
    th_reason: "Official rejection reason",
    footer: "idphoto runs offline; the sources of each rule are in its spec file.",
    checking: "Checking…",
    pass: "Pass",
    fail: "Fail",
    error: "Could not check",
    warn: "warn",
    na: "—",
    written: "A corrected photo was made; look it over before you submit it.",
    not_possible: "Cannot be corrected automatically: ",
    no_face: "No single face found, so no correction.",
    failed: "The correction failed: ",
    still_failing: "Still needs a retake for: ",
    not_judged: "Not judged, check yourself: ",
    heic: "HEIC photos cannot be read: export the photo as JPEG first.",
    too_large: "The file is too large (over {mb} MB): export a smaller JPEG first.",
    no_spec: "Choose a city and document first.",
    network: "Could not reach the server: ",
  },
};

const MAX_MB = 25;
const $ = (id) => document.getElementById(id);
let lang = (navigator.language || "").toLowerCase().startsWith("zh") ? "zh" : "en";
let specs = [];
let last = null; // the last report, redrawn when the language changes
let lastFile = null;

function t(key) {
  return TEXT[lang][key] || key;
}

function applyLanguage() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-t]")) {
    el.textContent = t(el.dataset.t);
  }
  $("lang").textContent = t("other");
  fillSpecs();
  if (last) {
    showReport(last.report, last.status);
  }
}

function label(s) {
  return lang === "zh"
    ? `${s.city_zh} ${s.doc_zh} · ${s.width_px}×${s.height_px}`
    : `${s.city_en} ${s.doc_en} · ${s.width_px}×${s.height_px}`;
}

function fillSpecs() {
  const words = $("search").value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const select = $("spec");
  const chosen = select.value || localStorage.getItem("idphoto.spec") || "dongguan/id-card";
  select.textContent = "";
  for (const s of specs) {
    const hay = [s.spec, s.city_zh, s.city_en, s.doc_zh, s.doc_en, ...(s.aliases || [])]
      .join(" ")
      .toLowerCase();
    if (words.every((w) => hay.includes(w))) {
      const option = new Option(label(s), s.spec);
      option.selected = s.spec === chosen;
      select.add(option);
    }
  }
  if (select.selectedIndex < 0 && select.options.length > 0) {
    select.selectedIndex = 0;
  }
  fillBackgrounds();
}

function fillBackgrounds() {
  const spec = specs.find((s) => s.spec === $("spec").value);
  const select = $("background");
  const before = select.value;
  select.textContent = "";
  for (const name of spec ? spec.background : []) {
    const option = new Option(name, name);
    option.selected = name === before;
    select.add(option);
  }
}

function setStatus(text) {
  $("status").textContent = text;
}

async function check(file) {
  const key = $("spec").value;
  if (!key) {
    setStatus(t("no_spec"));
    return;
  }
  if (/\.(heic|heif)$/i.test(file.name) || /hei[cf]/i.test(file.type)) {
    setStatus(t("heic"));
    return;
  }
  if (file.size > MAX_MB * 1000 * 1000) {
    setStatus(t("too_large").replace("{mb}", MAX_MB));
    return;
  }
  localStorage.setItem("idphoto.spec", key);
  lastFile = file;
  const [city, doc] = key.split("/");
  const query = new URLSearchParams({ city, doc, lang, name: file.name });
  if ($("background").value) query.set("background", $("background").value);
  if ($("sheet").value) query.set("sheet", $("sheet").value);
  setStatus(t("checking"));
  $("result").hidden = true;
  let response;
  try {
    response = await fetch(`v1/check?${query}`, {
      method: "POST",
      body: file,
      headers: { "Content-Type": "application/octet-stream" },
    });
  } catch (e) {
    setStatus(t("network") + e);
    return;
  }
  let report;
  try {
    report = await response.json();
  } catch (e) {
    setStatus(`${response.status} ${response.statusText}`);
    return;
  }
  setStatus("");
  last = { report, status: response.status };
  showReport(report, response.status);
}

function cell(row, text) {
  const td = row.insertCell();
  td.textContent = text == null ? "" : text;
  return td;
}

function showReport(r, status) {
  $("result").hidden = false;
  const verdict = r.verdict || "error";
  $("verdict").textContent = t(verdict);
  $("verdict").className = verdict;
  const error = $("error");
  error.hidden = !r.error;
  error.textContent = r.error ? [r.error_hint, r.error].filter(Boolean).join(" — ") : "";
  if (status === 503 && r.error_hint) error.textContent = r.error_hint;
  showPicture("preview", r.preview_png, "image/png");
  const photo = showPicture("corrected", r.corrected_jpeg, "image/jpeg");
  const download = $("download-photo");
  if (photo) {
    download.href = photo;
    download.download = r.output || "corrected.jpg";
  }
  const sheetLink = $("download-sheet");
  sheetLink.hidden = !r.sheet_jpeg;
  if (r.sheet_jpeg) {
    sheetLink.href = `data:image/jpeg;base64,${r.sheet_jpeg}`;
    const sheet = r.correction && r.correction.sheet;
    sheetLink.download = (sheet && sheet.path) || "sheet.jpg";
  }
  $("correction").textContent = correctionText(r.correction);
  const body = $("checks").tBodies[0];
  body.textContent = "";
  for (const c of r.checks || []) {
    const row = body.insertRow();
    row.className = c.status;
    cell(row, c.id);
    cell(row, c.status === "pass" ? "✓" : t(c.status));
    cell(row, c.measured && c.measured.text);
    cell(row, c.required && c.required.text);
    cell(row, c.hint);
    cell(row, c.official_reason);
  }
  $("checks").hidden = !(r.checks && r.checks.length);
  const unjudged = r.not_judged || [];
  $("not-judged").hidden = !unjudged.length;
  $("not-judged").textContent =
    t("not_judged") + unjudged.map((u) => u.what).join(lang === "zh" ? "；" : "; ");
}

function showPicture(id, base64, type) {
  const box = $(`${id}-box`);
  box.hidden = !base64;
  if (!base64) return null;
  const url = `data:${type};base64,${base64}`;
  $(id).src = url;
  return url;
}

function correctionText(c) {
  if (!c) return "";
  // The report's cautions are clauses; shown one after another they read as sentences.
  const sentence = (s) => {
    s = (s || "").trim();
    if (!s) return s;
    s = s[0].toUpperCase() + s.slice(1);
    return /[.。!！?？]$/.test(s) ? s : s + (lang === "zh" ? "。" : ".");
  };
  const pick = (list) => list.map((p) => sentence(p[lang])).join(" ");
  switch (c.status) {
    case "written": {
      const parts = [t("written"), pick(c.cautions || [])];
      if (c.still_failing && c.still_failing.length) {
        parts.push(t("still_failing") + c.still_failing.join(", "));
      }
      return parts.filter(Boolean).join(" ");
    }
    case "not_possible":
      return t("not_possible") + pick(c.problems || []);
    case "no_face":
      return t("no_face");
    default:
      return t("failed") + (c.message || "");
  }
}

function takeFiles(files) {
  if (files && files.length > 0) check(files[0]);
}

async function start() {
  applyLanguage();
  $("lang").addEventListener("click", () => {
    lang = lang === "zh" ? "en" : "zh";
    applyLanguage();
    if (last && lastFile) check(lastFile);
  });
  $("search").addEventListener("input", fillSpecs);
  $("spec").addEventListener("change", fillBackgrounds);
  for (const id of ["file", "camera"]) {
    $(id).addEventListener("change", (e) => takeFiles(e.target.files));
  }
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    takeFiles(e.dataTransfer.files);
  });
  try {
    specs = await (await fetch("v1/specs")).json();
  } catch (e) {
    setStatus(t("network") + e);
  }
  fillSpecs();
}

start();
