// A source map decoded once into flat typed arrays (parseSourceMap, via the `source-map`
// library) and looked up without it (originalPosition). Plain JS memory, so the cache can
// measure what it holds and nothing needs an explicit destroy().
import sm from 'source-map';

export interface ParsedMap {
  /** Source names as the map gives them (sourceRoot applied), e.g. `../../src/cart.js`, `webpack://app/./src/x.ts`. */
  sources: string[];
  names: string[];
  /** sourcesContent per source; null when the map does not embed it. */
  contents: Array<string | null>;
  /** Mappings in generated order: 0-based generated line/column → source index, 0-based line/column, name index (-1 = none). */
  genLine: Int32Array;
  genCol: Int32Array;
  src: Int32Array;
  srcLine: Int32Array;
  srcCol: Int32Array;
  name: Int32Array;
  /** Approximate retained bytes, for the cache's memory bound. */
  bytes: number;
}

export interface OriginalPosition {
  sourceIndex: number;
  source: string;
  /** 1-based line, 1-based column (Sentry frame convention). */
  line: number;
  column: number;
  name: string | null;
  /** 0-based generated column where the matched mapping starts (≤ the column looked up). */
  generatedColumn: number;
}

export class SourceMapParseError extends Error {
  override name = 'SourceMapParseError';
}

export async function parseSourceMap(text: string): Promise<ParsedMap> {
  let raw: unknown;
  try {
    // Maps may start with the XSSI guard `)]}'`.
    raw = JSON.parse(text.startsWith(")]}'") ? text.slice(text.indexOf('\n') + 1) : text);
  } catch (err) {
    throw new SourceMapParseError('the source map is not valid JSON', { cause: err });
  }
  let consumer: sm.BasicSourceMapConsumer | sm.IndexedSourceMapConsumer;
  try {
    consumer = await new sm.SourceMapConsumer(raw as sm.RawSourceMap | sm.RawIndexMap);
  } catch (err) {
    throw new SourceMapParseError(`the source map cannot be read: ${(err as Error).message}`, { cause: err });
  }
  try {
    return decode(consumer);
  } finally {
    consumer.destroy();
  }
}

function decode(consumer: sm.BasicSourceMapConsumer | sm.IndexedSourceMapConsumer): ParsedMap {
  const sources: string[] = consumer.sources.slice();
  const sourceIndex = new Map(sources.map((s, i) => [s, i]));
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const cols: number[][] = [[], [], [], [], [], []];
  consumer.eachMapping(
    (m) => {
      if (m.source == null || m.originalLine == null) return;
      let n = -1;
      if (m.name) {
        n = nameIndex.get(m.name) ?? -1;
        if (n < 0) {
          n = names.push(m.name) - 1;
          nameIndex.set(m.name, n);
        }
      }
      cols[0]!.push(m.generatedLine - 1);
      cols[1]!.push(m.generatedColumn);
      cols[2]!.push(sourceIndex.get(m.source) ?? -1);
      cols[3]!.push(m.originalLine - 1);
      cols[4]!.push(m.originalColumn);
      cols[5]!.push(n);
    },
    null,
    sm.SourceMapConsumer.GENERATED_ORDER,
  );
  const contents = sources.map((s) => consumer.sourceContentFor(s, true) ?? null);
  const [genLine, genCol, src, srcLine, srcCol, name] = cols.map((c) => Int32Array.from(c)) as [
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
  ];
  const textBytes = [...sources, ...names, ...contents].reduce((n, s) => n + (s ? s.length * 2 + 40 : 8), 0);
  return {
    sources,
    names,
    contents,
    genLine,
    genCol,
    src,
    srcLine,
    srcCol,
    name,
    bytes: genLine.length * 24 + textBytes + 256,
  };
}

/**
 * The mapping at or left of a 0-based generated line/column on the same line (the library's
 * GREATEST_LOWER_BOUND bias); null when the line has no mapping at or before the column.
 */
export function originalPosition(map: ParsedMap, line: number, column: number): OriginalPosition | null {
  // last mapping with (genLine, genCol) <= (line, column)
  let lo = 0;
  let hi = map.genLine.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const l = map.genLine[mid]!;
    if (l < line || (l === line && map.genCol[mid]! <= column)) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (found < 0 || map.genLine[found] !== line) return null;
  const sourceIndex = map.src[found]!;
  const source = map.sources[sourceIndex];
  if (source === undefined) return null;
  const n = map.name[found]!;
  return {
    sourceIndex,
    source,
    line: map.srcLine[found]! + 1,
    column: map.srcCol[found]! + 1,
    name: n >= 0 ? map.names[n]! : null,
    generatedColumn: map.genCol[found]!,
  };
}
