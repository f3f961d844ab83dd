export { columnProblems, parseHeader, parseRecords } from './fields';
export { CsvTaskFile, type CsvUpload } from './task-file';
export { csvLine, csvLineEnd } from './write';
