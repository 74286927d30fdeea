/**
 * Splits a migration file into statements: on `;` outside quotes and comments, keeping
 * `CREATE TRIGGER … BEGIN … END;` bodies whole.
 */
export function splitSql(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let depth = 0; // BEGIN … END nesting (triggers)
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      current += '\n';
      continue;
    }
    if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === ch) {
          if (sql[j + 1] === ch)
            j += 2; // escaped quote
          else break;
        } else j++;
      }
      current += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (/[A-Za-z]/.test(ch) && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? ' ')) {
      const word = /^[A-Za-z_]+/.exec(sql.slice(i))?.[0] ?? ch;
      const upper = word.toUpperCase();
      if (upper === 'BEGIN') depth++;
      else if (upper === 'END' && depth > 0) depth--;
      current += word;
      i += word.length;
      continue;
    }
    if (ch === ';' && depth === 0) {
      if (current.trim()) statements.push(current.trim());
      current = '';
      i++;
      continue;
    }
    current += ch;
    i++;
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}
