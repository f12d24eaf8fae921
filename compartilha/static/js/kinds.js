// A file's kind in words, as the server's compartilha/web/kinds.py names it; the table
// (in the page's language) comes from the server in a data-kinds attribute.
export function kindOf(type, table) {
  const mime = String(type || "").split(";")[0].trim().toLowerCase();
  if (table.exact[mime]) return table.exact[mime];
  const [family, subtype = ""] = mime.split("/");
  const forms = table.families[family];
  if (!forms) return table.file;
  const name = table.names[subtype] || (/^[a-z0-9]{2,5}$/.test(subtype) ? subtype.toUpperCase() : null);
  return name && forms[0].includes("%(format)s") ? forms[0].replace("%(format)s", name) : forms[1];
}
