import { csvCell } from './audit.export';

describe('csvCell', () => {
  it.each([
    [null, ''],
    ['plain', 'plain'],
    [42, '42'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=1+1', "'=1+1"],
    ['+cmd', "'+cmd"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['=HYPERLINK("x"),y', `"'=HYPERLINK(""x""),y"`],
    [{ a: 1, b: 'x' }, '"{""a"":1,""b"":""x""}"'],
  ])('%j → %s', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });
});
