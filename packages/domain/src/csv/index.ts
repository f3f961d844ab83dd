/** CSV text: records, fields, writing, and the CSV-to-tasks reader of both imports. */
export { columnProblems, parseHeader, parseRecords, recordCells, type CsvCell } from './fields';
export { CsvTaskFile, type CsvUpload } from './task-file';
export { csvLine, csvLineEnd, inertCell, inertRecord } from './write';
