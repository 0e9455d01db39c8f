// Original file: maprdb-server.proto


export interface TableExistsRequest {
  'tablePath'?: (string);
}

export interface TableExistsRequest__Output {
  'tablePath': (string);
}
