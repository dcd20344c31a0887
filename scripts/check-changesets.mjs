// Every changeset must name workspace packages in its frontmatter, or `changeset version` skips
// it silently. (Biome's markdown formatter once turned one-line frontmatter into a heading.)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const packages = new Set(
  ['packages', 'apps'].flatMap((dir) =>
    readdirSync(join(root, dir)).map((name) => JSON.parse(readFileSync(join(root, dir, name, 'package.json'), 'utf8')).name),
  ),
);
const problems = [];
for (const file of readdirSync(join(root, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
  const text = readFileSync(join(root, '.changeset', file), 'utf8');
  const match = /^---\n((?:.+\n)+?)---\n\n\S/.exec(text);
  if (!match) {
    problems.push(`${file}: expected '---', one "'package': bump" line per package, '---', a blank line, then the summary`);
    continue;
  }
  for (const line of match[1].trimEnd().split('\n')) {
    const release = /^'(@[\w-]+\/[\w-]+)': (patch|minor|major)$/.exec(line);
    if (!release) problems.push(`${file}: not "'package': patch|minor|major": ${line}`);
    else if (!packages.has(release[1])) problems.push(`${file}: no workspace package named ${release[1]}`);
  }
}
if (problems.length > 0) {
  console.error(`changesets:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
