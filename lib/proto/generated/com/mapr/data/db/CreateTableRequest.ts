// Original file: maprdb-server.proto


export interface CreateTableRequest {
  'tablePath'?: (string);
}

export interface CreateTableRequest__Output {
  'tablePath': (string);
}
