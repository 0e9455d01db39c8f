// Original file: maprdb-server.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CreateTableRequest as _com_mapr_data_db_CreateTableRequest, CreateTableRequest__Output as _com_mapr_data_db_CreateTableRequest__Output } from '../../../../com/mapr/data/db/CreateTableRequest.js';
import type { CreateTableResponse as _com_mapr_data_db_CreateTableResponse, CreateTableResponse__Output as _com_mapr_data_db_CreateTableResponse__Output } from '../../../../com/mapr/data/db/CreateTableResponse.js';
import type { DeleteRequest as _com_mapr_data_db_DeleteRequest, DeleteRequest__Output as _com_mapr_data_db_DeleteRequest__Output } from '../../../../com/mapr/data/db/DeleteRequest.js';
import type { DeleteResponse as _com_mapr_data_db_DeleteResponse, DeleteResponse__Output as _com_mapr_data_db_DeleteResponse__Output } from '../../../../com/mapr/data/db/DeleteResponse.js';
import type { DeleteTableRequest as _com_mapr_data_db_DeleteTableRequest, DeleteTableRequest__Output as _com_mapr_data_db_DeleteTableRequest__Output } from '../../../../com/mapr/data/db/DeleteTableRequest.js';
import type { DeleteTableResponse as _com_mapr_data_db_DeleteTableResponse, DeleteTableResponse__Output as _com_mapr_data_db_DeleteTableResponse__Output } from '../../../../com/mapr/data/db/DeleteTableResponse.js';
import type { FindByIdRequest as _com_mapr_data_db_FindByIdRequest, FindByIdRequest__Output as _com_mapr_data_db_FindByIdRequest__Output } from '../../../../com/mapr/data/db/FindByIdRequest.js';
import type { FindByIdResponse as _com_mapr_data_db_FindByIdResponse, FindByIdResponse__Output as _com_mapr_data_db_FindByIdResponse__Output } from '../../../../com/mapr/data/db/FindByIdResponse.js';
import type { FindRequest as _com_mapr_data_db_FindRequest, FindRequest__Output as _com_mapr_data_db_FindRequest__Output } from '../../../../com/mapr/data/db/FindRequest.js';
import type { FindResponse as _com_mapr_data_db_FindResponse, FindResponse__Output as _com_mapr_data_db_FindResponse__Output } from '../../../../com/mapr/data/db/FindResponse.js';
import type { InsertOrReplaceRequest as _com_mapr_data_db_InsertOrReplaceRequest, InsertOrReplaceRequest__Output as _com_mapr_data_db_InsertOrReplaceRequest__Output } from '../../../../com/mapr/data/db/InsertOrReplaceRequest.js';
import type { InsertOrReplaceResponse as _com_mapr_data_db_InsertOrReplaceResponse, InsertOrReplaceResponse__Output as _com_mapr_data_db_InsertOrReplaceResponse__Output } from '../../../../com/mapr/data/db/InsertOrReplaceResponse.js';
import type { PingRequest as _com_mapr_data_db_PingRequest, PingRequest__Output as _com_mapr_data_db_PingRequest__Output } from '../../../../com/mapr/data/db/PingRequest.js';
import type { PingResponse as _com_mapr_data_db_PingResponse, PingResponse__Output as _com_mapr_data_db_PingResponse__Output } from '../../../../com/mapr/data/db/PingResponse.js';
import type { TableExistsRequest as _com_mapr_data_db_TableExistsRequest, TableExistsRequest__Output as _com_mapr_data_db_TableExistsRequest__Output } from '../../../../com/mapr/data/db/TableExistsRequest.js';
import type { TableExistsResponse as _com_mapr_data_db_TableExistsResponse, TableExistsResponse__Output as _com_mapr_data_db_TableExistsResponse__Output } from '../../../../com/mapr/data/db/TableExistsResponse.js';
import type { UpdateRequest as _com_mapr_data_db_UpdateRequest, UpdateRequest__Output as _com_mapr_data_db_UpdateRequest__Output } from '../../../../com/mapr/data/db/UpdateRequest.js';
import type { UpdateResponse as _com_mapr_data_db_UpdateResponse, UpdateResponse__Output as _com_mapr_data_db_UpdateResponse__Output } from '../../../../com/mapr/data/db/UpdateResponse.js';

export interface MapRDbServerClient extends grpc.Client {
  CreateTable(argument: _com_mapr_data_db_CreateTableRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_CreateTableResponse__Output>): grpc.ClientUnaryCall;
  CreateTable(argument: _com_mapr_data_db_CreateTableRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_com_mapr_data_db_CreateTableResponse__Output>): grpc.ClientUnaryCall;
  CreateTable(argument: _com_mapr_data_db_CreateTableRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_CreateTableResponse__Output>): grpc.ClientUnaryCall;
  CreateTable(argument: _com_mapr_data_db_CreateTableRequest, callback: grpc.requestCallback<_com_mapr_data_db_CreateTableResponse__Output>): grpc.ClientUnaryCall;
  createTable(argument: _com_mapr_data_db_CreateTableRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_CreateTableResponse__Output>): grpc.ClientUnaryCall;
  createTable(argument: _com_mapr_data_db_CreateTableRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_com_mapr_data_db_CreateTableResponse__Output>): grpc.ClientUnaryCall;
  createTable(argument: _com_mapr_data_db_CreateTableRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_CreateTableResponse__Output>): grpc.ClientUnaryCall;
  createTable(argument: _com_mapr_data_db_CreateTableRequest, callback: grpc.requestCallback<_com_mapr_data_db_CreateTableResponse__Output>): grpc.ClientUnaryCall;
  
  Delete(argument: _com_mapr_data_db_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _com_mapr_data_db_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_com_mapr_data_db_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _com_mapr_data_db_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _com_mapr_data_db_DeleteRequest, callback: grpc.requestCallback<_com_mapr_data_db_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _com_mapr_data_db_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _com_mapr_data_db_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_com_mapr_data_db_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _com_mapr_data_db_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _com_mapr_data_db_DeleteRequest, callback: grpc.requestCallback<_com_mapr_data_db_DeleteResponse__Output>): grpc.ClientUnaryCall;
  
  DeleteTable(argument: _com_mapr_data_db_DeleteTableRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_DeleteTableResponse__Output>): grpc.ClientUnaryCall;
  DeleteTable(argument: _com_mapr_data_db_DeleteTableRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_com_mapr_data_db_DeleteTableResponse__Output>): grpc.ClientUnaryCall;
  DeleteTable(argument: _com_mapr_data_db_DeleteTableRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_DeleteTableResponse__Output>): grpc.ClientUnaryCall;
  DeleteTable(argument: _com_mapr_data_db_DeleteTableRequest, callback: grpc.requestCallback<_com_mapr_data_db_DeleteTableResponse__Output>): grpc.ClientUnaryCall;
  deleteTable(argument: _com_mapr_data_db_DeleteTableRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_DeleteTableResponse__Output>): grpc.ClientUnaryCall;
  deleteTable(argument: _com_mapr_data_db_DeleteTableRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_com_mapr_data_db_DeleteTableResponse__Output>): grpc.ClientUnaryCall;
  deleteTable(argument: _com_mapr_data_db_DeleteTableRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_DeleteTableResponse__Output>): grpc.ClientUnaryCall;
  deleteTable(argument: _com_mapr_data_db_DeleteTableRequest, callback: grpc.requestCallback<_com_mapr_data_db_DeleteTableResponse__Output>): grpc.ClientUnaryCall;
  
  Find(argument: _com_mapr_data_db_FindRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_com_mapr_data_db_FindResponse__Output>;
  Find(argument: _com_mapr_data_db_FindRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_com_mapr_data_db_FindResponse__Output>;
  find(argument: _com_mapr_data_db_FindRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_com_mapr_data_db_FindResponse__Output>;
  find(argument: _com_mapr_data_db_FindRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_com_mapr_data_db_FindResponse__Output>;
  
  FindById(argument: _com_mapr_data_db_FindByIdRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_FindByIdResponse__Output>): grpc.ClientUnaryCall;
  FindById(argument: _com_mapr_data_db_FindByIdRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_com_mapr_data_db_FindByIdResponse__Output>): grpc.ClientUnaryCall;
  FindById(argument: _com_mapr_data_db_FindByIdRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_FindByIdResponse__Output>): grpc.ClientUnaryCall;
  FindById(argument: _com_mapr_data_db_FindByIdRequest, callback: grpc.requestCallback<_com_mapr_data_db_FindByIdResponse__Output>): grpc.ClientUnaryCall;
  findById(argument: _com_mapr_data_db_FindByIdRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_FindByIdResponse__Output>): grpc.ClientUnaryCall;
  findById(argument: _com_mapr_data_db_FindByIdRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_com_mapr_data_db_FindByIdResponse__Output>): grpc.ClientUnaryCall;
  findById(argument: _com_mapr_data_db_FindByIdRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_FindByIdResponse__Output>): grpc.ClientUnaryCall;
  findById(argument: _com_mapr_data_db_FindByIdRequest, callback: grpc.requestCallback<_com_mapr_data_db_FindByIdResponse__Output>): grpc.ClientUnaryCall;
  
  InsertOrReplace(argument: _com_mapr_data_db_InsertOrReplaceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_InsertOrReplaceResponse__Output>): grpc.ClientUnaryCall;
  InsertOrReplace(argument: _com_mapr_data_db_InsertOrReplaceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_com_mapr_data_db_InsertOrReplaceResponse__Output>): grpc.ClientUnaryCall;
  InsertOrReplace(argument: _com_mapr_data_db_InsertOrReplaceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_InsertOrReplaceResponse__Output>): grpc.ClientUnaryCall;
  InsertOrReplace(argument: _com_mapr_data_db_InsertOrReplaceRequest, callback: grpc.requestCallback<_com_mapr_data_db_InsertOrReplaceResponse__Output>): grpc.ClientUnaryCall;
  insertOrReplace(argument: _com_mapr_data_db_InsertOrReplaceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_InsertOrReplaceResponse__Output>): grpc.ClientUnaryCall;
  insertOrReplace(argument: _com_mapr_data_db_InsertOrReplaceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_com_mapr_data_db_InsertOrReplaceResponse__Output>): grpc.ClientUnaryCall;
  insertOrReplace(argument: _com_mapr_data_db_InsertOrReplaceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_InsertOrReplaceResponse__Output>): grpc.ClientUnaryCall;
  insertOrReplace(argument: _com_mapr_data_db_InsertOrReplaceRequest, callback: grpc.requestCallback<_com_mapr_data_db_InsertOrReplaceResponse__Output>): grpc.ClientUnaryCall;
  
  Ping(argument: _com_mapr_data_db_PingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_PingResponse__Output>): grpc.ClientUnaryCall;
  Ping(argument: _com_mapr_data_db_PingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_com_mapr_data_db_PingResponse__Output>): grpc.ClientUnaryCall;
  Ping(argument: _com_mapr_data_db_PingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_PingResponse__Output>): grpc.ClientUnaryCall;
  Ping(argument: _com_mapr_data_db_PingRequest, callback: grpc.requestCallback<_com_mapr_data_db_PingResponse__Output>): grpc.ClientUnaryCall;
  ping(argument: _com_mapr_data_db_PingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_PingResponse__Output>): grpc.ClientUnaryCall;
  ping(argument: _com_mapr_data_db_PingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_com_mapr_data_db_PingResponse__Output>): grpc.ClientUnaryCall;
  ping(argument: _com_mapr_data_db_PingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_PingResponse__Output>): grpc.ClientUnaryCall;
  ping(argument: _com_mapr_data_db_PingRequest, callback: grpc.requestCallback<_com_mapr_data_db_PingResponse__Output>): grpc.ClientUnaryCall;
  
  TableExists(argument: _com_mapr_data_db_TableExistsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_TableExistsResponse__Output>): grpc.ClientUnaryCall;
  TableExists(argument: _com_mapr_data_db_TableExistsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_com_mapr_data_db_TableExistsResponse__Output>): grpc.ClientUnaryCall;
  TableExists(argument: _com_mapr_data_db_TableExistsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_TableExistsResponse__Output>): grpc.ClientUnaryCall;
  TableExists(argument: _com_mapr_data_db_TableExistsRequest, callback: grpc.requestCallback<_com_mapr_data_db_TableExistsResponse__Output>): grpc.ClientUnaryCall;
  tableExists(argument: _com_mapr_data_db_TableExistsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_TableExistsResponse__Output>): grpc.ClientUnaryCall;
  tableExists(argument: _com_mapr_data_db_TableExistsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_com_mapr_data_db_TableExistsResponse__Output>): grpc.ClientUnaryCall;
  tableExists(argument: _com_mapr_data_db_TableExistsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_TableExistsResponse__Output>): grpc.ClientUnaryCall;
  tableExists(argument: _com_mapr_data_db_TableExistsRequest, callback: grpc.requestCallback<_com_mapr_data_db_TableExistsResponse__Output>): grpc.ClientUnaryCall;
  
  Update(argument: _com_mapr_data_db_UpdateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_UpdateResponse__Output>): grpc.ClientUnaryCall;
  Update(argument: _com_mapr_data_db_UpdateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_com_mapr_data_db_UpdateResponse__Output>): grpc.ClientUnaryCall;
  Update(argument: _com_mapr_data_db_UpdateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_UpdateResponse__Output>): grpc.ClientUnaryCall;
  Update(argument: _com_mapr_data_db_UpdateRequest, callback: grpc.requestCallback<_com_mapr_data_db_UpdateResponse__Output>): grpc.ClientUnaryCall;
  update(argument: _com_mapr_data_db_UpdateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_UpdateResponse__Output>): grpc.ClientUnaryCall;
  update(argument: _com_mapr_data_db_UpdateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_com_mapr_data_db_UpdateResponse__Output>): grpc.ClientUnaryCall;
  update(argument: _com_mapr_data_db_UpdateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_com_mapr_data_db_UpdateResponse__Output>): grpc.ClientUnaryCall;
  update(argument: _com_mapr_data_db_UpdateRequest, callback: grpc.requestCallback<_com_mapr_data_db_UpdateResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface MapRDbServerHandlers extends grpc.UntypedServiceImplementation {
  CreateTable: grpc.handleUnaryCall<_com_mapr_data_db_CreateTableRequest__Output, _com_mapr_data_db_CreateTableResponse>;
  
  Delete: grpc.handleUnaryCall<_com_mapr_data_db_DeleteRequest__Output, _com_mapr_data_db_DeleteResponse>;
  
  DeleteTable: grpc.handleUnaryCall<_com_mapr_data_db_DeleteTableRequest__Output, _com_mapr_data_db_DeleteTableResponse>;
  
  Find: grpc.handleServerStreamingCall<_com_mapr_data_db_FindRequest__Output, _com_mapr_data_db_FindResponse>;
  
  FindById: grpc.handleUnaryCall<_com_mapr_data_db_FindByIdRequest__Output, _com_mapr_data_db_FindByIdResponse>;
  
  InsertOrReplace: grpc.handleUnaryCall<_com_mapr_data_db_InsertOrReplaceRequest__Output, _com_mapr_data_db_InsertOrReplaceResponse>;
  
  Ping: grpc.handleUnaryCall<_com_mapr_data_db_PingRequest__Output, _com_mapr_data_db_PingResponse>;
  
  TableExists: grpc.handleUnaryCall<_com_mapr_data_db_TableExistsRequest__Output, _com_mapr_data_db_TableExistsResponse>;
  
  Update: grpc.handleUnaryCall<_com_mapr_data_db_UpdateRequest__Output, _com_mapr_data_db_UpdateResponse>;
  
}

export interface MapRDbServerDefinition extends grpc.ServiceDefinition {
  CreateTable: MethodDefinition<_com_mapr_data_db_CreateTableRequest, _com_mapr_data_db_CreateTableResponse, _com_mapr_data_db_CreateTableRequest__Output, _com_mapr_data_db_CreateTableResponse__Output>
  Delete: MethodDefinition<_com_mapr_data_db_DeleteRequest, _com_mapr_data_db_DeleteResponse, _com_mapr_data_db_DeleteRequest__Output, _com_mapr_data_db_DeleteResponse__Output>
  DeleteTable: MethodDefinition<_com_mapr_data_db_DeleteTableRequest, _com_mapr_data_db_DeleteTableResponse, _com_mapr_data_db_DeleteTableRequest__Output, _com_mapr_data_db_DeleteTableResponse__Output>
  Find: MethodDefinition<_com_mapr_data_db_FindRequest, _com_mapr_data_db_FindResponse, _com_mapr_data_db_FindRequest__Output, _com_mapr_data_db_FindResponse__Output>
  FindById: MethodDefinition<_com_mapr_data_db_FindByIdRequest, _com_mapr_data_db_FindByIdResponse, _com_mapr_data_db_FindByIdRequest__Output, _com_mapr_data_db_FindByIdResponse__Output>
  InsertOrReplace: MethodDefinition<_com_mapr_data_db_InsertOrReplaceRequest, _com_mapr_data_db_InsertOrReplaceResponse, _com_mapr_data_db_InsertOrReplaceRequest__Output, _com_mapr_data_db_InsertOrReplaceResponse__Output>
  Ping: MethodDefinition<_com_mapr_data_db_PingRequest, _com_mapr_data_db_PingResponse, _com_mapr_data_db_PingRequest__Output, _com_mapr_data_db_PingResponse__Output>
  TableExists: MethodDefinition<_com_mapr_data_db_TableExistsRequest, _com_mapr_data_db_TableExistsResponse, _com_mapr_data_db_TableExistsRequest__Output, _com_mapr_data_db_TableExistsResponse__Output>
  Update: MethodDefinition<_com_mapr_data_db_UpdateRequest, _com_mapr_data_db_UpdateResponse, _com_mapr_data_db_UpdateRequest__Output, _com_mapr_data_db_UpdateResponse__Output>
}
