// Original file: maprdb-server.proto


export interface DeleteTableRequest {
  'tablePath'?: (string);
}

export interface DeleteTableRequest__Output {
  'tablePath': (string);
}
