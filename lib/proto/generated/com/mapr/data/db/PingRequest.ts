// Original file: maprdb-server.proto


export interface PingRequest {
}

export interface PingRequest__Output {
}
